#include "tests/support/sse_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace fleet::test {

SseClient::SseClient(std::uint16_t port, const std::string& target, const std::string& token,
                     const std::string& last_event_id) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        throw std::runtime_error("cannot connect to port " + std::to_string(port));
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
    if (!last_event_id.empty()) request += "Last-Event-ID: " + last_event_id + "\r\n";
    request += "\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
        throw std::runtime_error("cannot send the request");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::size_t end = std::string::npos;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
        if (!fill(deadline)) throw std::runtime_error("no answer's headers: " + buffer_);
    headers_ = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    status_ = std::stoi(headers_.substr(headers_.find(' ') + 1, 3));
    if (status_ != 200) {
        // An error's body has a length: read it all.
        while (fill(std::chrono::steady_clock::now() + std::chrono::milliseconds(200))) {
        }
    }
}

SseClient::~SseClient() { close(); }

void SseClient::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool SseClient::fill(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0 || closed_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[16 * 1024];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
        closed_ = true;
        return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

std::optional<SseEvent> SseClient::next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (events_.empty()) {
        parser_.feed(buffer_);
        buffer_.clear();
        if (!events_.empty() || !fill(deadline)) break;
    }
    if (events_.empty()) return std::nullopt;
    SseEvent event = std::move(events_.front());
    events_.pop_front();
    return event;
}

}  // namespace fleet::test
