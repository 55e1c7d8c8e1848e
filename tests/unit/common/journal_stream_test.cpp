#include "common/journal_stream.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

using fleet::is_journal_stream;

namespace {

// What systemd puts in JOURNAL_STREAM for the stream it hands a service: "<device>:<inode>".
std::string journal_stream_of(int fd) {
    struct stat status{};
    REQUIRE(fstat(fd, &status) == 0);
    return std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino);
}

// Both ends of a socket pair, as journald's stream is a socket; closed at the end.
struct SocketPair {
    int fds[2] = {-1, -1};
    SocketPair() { REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
    ~SocketPair() {
        close(fds[0]);
        close(fds[1]);
    }
};

}  // namespace

TEST_CASE("journal stream: the fd whose device and inode the variable names is the journal", "[log]") {
    SocketPair journal;
    CHECK(is_journal_stream(journal_stream_of(journal.fds[0]).c_str(), journal.fds[0]));
}

TEST_CASE("journal stream: an inherited variable does not match a redirected fd", "[log]") {
    SocketPair journal;
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    CHECK_FALSE(is_journal_stream(journal_stream_of(journal.fds[0]).c_str(), fileno(file)));
    CHECK_FALSE(is_journal_stream(journal_stream_of(fileno(file)).c_str(), journal.fds[1]));
    std::fclose(file);
}

TEST_CASE("journal stream: no variable, or a malformed one, is no journal", "[log]") {
    SocketPair journal;
    const int fd = journal.fds[0];
    const std::string good = journal_stream_of(fd);
    CHECK_FALSE(is_journal_stream(nullptr, fd));
    CHECK_FALSE(is_journal_stream("", fd));
    CHECK_FALSE(is_journal_stream(good.substr(0, good.find(':')).c_str(), fd));
    CHECK_FALSE(is_journal_stream((good + "x").c_str(), fd));
    CHECK_FALSE(is_journal_stream((good + ":1").c_str(), fd));
    CHECK_FALSE(is_journal_stream((":" + good.substr(good.find(':') + 1)).c_str(), fd));
    CHECK_FALSE(is_journal_stream(("-" + good).c_str(), fd));
}

TEST_CASE("journal stream: a closed fd is no journal", "[log]") {
    int fd = -1;
    std::string stream;
    {
        SocketPair journal;
        fd = journal.fds[0];
        stream = journal_stream_of(fd);
    }
    CHECK_FALSE(is_journal_stream(stream.c_str(), fd));
}
