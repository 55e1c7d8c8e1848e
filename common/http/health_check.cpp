#include "common/http/health_check.hpp"

#include "common/http/client.hpp"
#include "common/http/listen_address.hpp"

#include <ostream>

namespace fleet::http {

int check_local_health(const std::string& listen_host, std::uint16_t port, std::ostream& out, const TlsSetup& tls) {
    const std::string scheme = tls.server ? "https://" : "http://";
    const std::string url = scheme + local_address_of(listen_host) + ":" + std::to_string(port) + "/health";
    BlockingHttpClient client(tls.client);
    ClientRequest request;
    request.url = url;
    request.timeout = std::chrono::seconds(3);
    const ClientResponse response = client.send(std::move(request));
    if (!response.ok()) {
        out << url << ": " << to_string(response.error) << " (" << response.error_message << ")\n";
        return 1;
    }
    out << response.body << "\n";
    return response.status == 200 ? 0 : 1;
}

}  // namespace fleet::http
