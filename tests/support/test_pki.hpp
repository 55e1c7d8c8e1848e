#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace fleet::test {

// A certificate and its key, as PEM files.
struct CertFiles {
    std::string cert;
    std::string key;
};

// Certificates made at test time with the `openssl` command, in a temporary
// directory removed with the object: a CA, and node certificates it signs
// for 127.0.0.1 and localhost (subjectAltName), good for both server and
// client use. EC P-256 keys, so each takes milliseconds.
class TestPki {
public:
    // `name` prefixes the directory; a second TestPki is a different CA.
    explicit TestPki(const std::string& name = "pki");
    ~TestPki();
    TestPki(const TestPki&) = delete;
    TestPki& operator=(const TestPki&) = delete;

    const std::string& ca() const { return ca_.cert; }
    // A certificate signed by this CA, with CN `name`, in `<dir>/<name>.pem` / `.key`.
    CertFiles issue(const std::string& name);
    // A file holding this CA and `other`'s: peers of either are trusted.
    std::string bundle_with(const TestPki& other, const std::string& name);
    const std::filesystem::path& dir() const { return dir_; }

private:
    void openssl(const std::vector<std::string>& args);

    std::filesystem::path dir_;
    CertFiles ca_;
};

}  // namespace fleet::test
