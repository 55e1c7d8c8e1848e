#include "tests/support/test_pki.hpp"

#include "tests/support/process.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace fleet::test {
namespace fs = std::filesystem;

namespace {

// posix_spawn takes a path: find `openssl` on PATH.
std::string openssl_path() {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const auto candidate = fs::path(dir) / "openssl";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    throw std::runtime_error("the openssl command is not installed (Debian: apt-get install openssl)");
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TestPki::TestPki(const std::string& name) {
    static std::atomic<int> counter{0};
    std::random_device random;
    dir_ = fs::temp_directory_path() / ("fleet_" + name + "_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(counter++) + "_" + std::to_string(random()));
    fs::create_directories(dir_);
    ca_ = {(dir_ / "ca.pem").string(), (dir_ / "ca.key").string()};
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             ca_.key, "-out", ca_.cert, "-days", "2", "-subj", "/CN=fleet test CA " + name});
}

TestPki::~TestPki() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

CertFiles TestPki::issue(const std::string& name) {
    const auto base = dir_ / name;
    CertFiles files{base.string() + ".pem", base.string() + ".key"};
    const auto request = base.string() + ".csr";
    const auto extensions = base.string() + ".ext";
    std::ofstream(extensions) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                 "basicConstraints=CA:FALSE\n"
                                 "keyUsage=digitalSignature\n"
                                 "extendedKeyUsage=serverAuth,clientAuth\n";
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", files.key,
             "-out", request, "-subj", "/CN=" + name});
    openssl({"x509", "-req", "-in", request, "-CA", ca_.cert, "-CAkey", ca_.key, "-CAcreateserial", "-out",
             files.cert, "-days", "2", "-extfile", extensions});
    return files;
}

std::string TestPki::bundle_with(const TestPki& other, const std::string& name) {
    const auto path = (dir_ / (name + ".pem")).string();
    std::ofstream(path) << read_file(ca_.cert) << read_file(other.ca_.cert);
    return path;
}

void TestPki::openssl(const std::vector<std::string>& args) {
    Process process(openssl_path(), args);
    const auto code = process.wait(std::chrono::seconds(30));
    if (code != 0)
        throw std::runtime_error("openssl " + args.front() + " failed:\n" + process.output());
}

}  // namespace fleet::test
