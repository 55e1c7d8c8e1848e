#include "common/ready_file.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace fleet {

void write_ready_file(const std::string& path, std::uint16_t port, const std::string& url) {
    const boost::json::value document{{"pid", static_cast<std::int64_t>(::getpid())}, {"port", port}, {"url", url}};
    const std::string text = boost::json::serialize(document) + "\n";
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    const auto fail = [&](const char* what) {
        const std::string reason = std::strerror(errno);
        std::remove(temporary.c_str());
        throw std::runtime_error("--ready-file " + path + ": " + what + ": " + reason);
    };
    std::FILE* file = std::fopen(temporary.c_str(), "w");
    if (!file) fail("cannot create");
    const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    if (std::fclose(file) != 0 || !written) fail("cannot write");
    if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename");
}

}  // namespace fleet
