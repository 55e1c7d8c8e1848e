#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

#include <unistd.h>

// Files the contract scenarios need, in a directory of their own.
namespace fleet::contract {

inline constexpr const char* kToken = "contract-token";

class ScratchDir {
public:
    ScratchDir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("fleet_contract_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
                 std::to_string(std::random_device{}()));
        std::filesystem::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }

    // An OHLCV file long enough that a backtest or a processing run of it is
    // still going when the next request comes (the scenarios cancel it). The
    // price never moves, so a backtest that does finish trades nothing.
    std::string long_ohlcv(const std::string& name, std::size_t rows) const {
        const std::string path = file(name);
        std::ofstream out(path, std::ios::binary);
        out << "timestamp,open,high,low,close,volume\n";
        std::string chunk;
        for (int i = 0; i < 1000; ++i) chunk += "2024-01-01T00:00:00Z,100,110,90,100,1000\n";
        for (std::size_t written = 0; written < rows; written += 1000) out << chunk;
        return path;
    }

private:
    std::filesystem::path path_;
};

inline std::string sample_file(const std::string& name) {
    return std::string(FLEET_SOURCE_DIR) + "/data/sample/" + name;
}

inline std::string document_path(const std::string& name) {
    return std::string(FLEET_SOURCE_DIR) + "/proto_docs/openapi/" + name;
}

}  // namespace fleet::contract
