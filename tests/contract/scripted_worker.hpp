#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace fleet::contract {

// What the scripted worker does with one request.
struct ScriptedAnswer {
    int status = 200;
    std::string body;
    bool hang_up = false;  // close the connection without answering

    static ScriptedAnswer json(int status, const boost::json::value& body);
    static ScriptedAnswer close_connection();
};

// A stand-in worker on a loopback port for the faults a real worker does not
// produce on demand (a 5xx, a connection closed mid-request): every request
// goes to the script, which answers or hangs up. Connections that send
// nothing (the backend's connection watch) are simply held open.
class ScriptedWorker {
public:
    using Script = std::function<ScriptedAnswer(const std::string& method, const std::string& target,
                                                const std::string& body)>;

    explicit ScriptedWorker(Script script);
    ~ScriptedWorker();
    ScriptedWorker(const ScriptedWorker&) = delete;
    ScriptedWorker& operator=(const ScriptedWorker&) = delete;

    std::uint16_t port() const;
    std::string url() const;  // http://127.0.0.1:<port>
    void set_script(Script script);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fleet::contract
