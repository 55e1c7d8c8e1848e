#include "tools/fleetctl/printing.hpp"

#include "tools/fleetctl/exit_code.hpp"
#include "tools/fleetctl/table.hpp"

#include <algorithm>
#include <ostream>

namespace fleet::ctl {

int print_answer(Context& ctx, const Answer& answer, const std::function<void(const boost::json::value&)>& table) {
    if (ctx.invocation.json) {
        ctx.out << answer.body << (answer.body.ends_with('\n') ? "" : "\n");
    } else {
        table(answer.json);
    }
    return to_int(ExitCode::Ok);
}

const boost::json::value& data_of(const boost::json::value& answer) {
    if (const auto* o = answer.if_object())
        if (const auto* d = o->if_contains("data")) return *d;
    return answer;
}

const boost::json::array& array_at(const boost::json::value& data, std::string_view key) {
    static const boost::json::array empty;
    if (const auto* o = data.if_object())
        if (const auto* a = o->if_contains(key); a && a->is_array()) return a->get_array();
    return empty;
}

void print_object(Context& ctx, const boost::json::value& object, const std::vector<std::string>& skip) {
    const auto* o = object.if_object();
    if (!o) return;
    boost::json::object shown;
    for (const auto& [key, value] : *o)
        if (std::find(skip.begin(), skip.end(), std::string(key)) == skip.end()) shown[key] = value;
    print_fields(ctx.out, shown, SystemClock::instance().now());
}

void print_items(Context& ctx, const boost::json::array& items,
                 const std::vector<std::pair<std::string, std::string>>& columns) {
    std::vector<std::string> headers;
    for (const auto& [header, field] : columns) headers.push_back(header);
    Table table(headers);
    const auto now = SystemClock::instance().now();
    for (const auto& item : items) {
        std::vector<std::string> row;
        for (const auto& [header, field] : columns) {
            const auto* o = item.if_object();
            const auto* v = o ? o->if_contains(field) : nullptr;
            if (v && field.ends_with("_at")) row.push_back(relative_time(*v, now));
            else row.push_back(v ? cell(*v) : "-");
        }
        table.add(std::move(row));
    }
    table.print(ctx.out);
}

void print_total(Context& ctx, const boost::json::value& data, std::size_t shown, const std::string& noun) {
    const auto* o = data.if_object();
    if (o && o->contains("total")) ctx.out << shown << " of " << cell(o->at("total")) << ' ' << noun << "(s)\n";
}

int print_done(Context& ctx, const Answer& answer, const std::string& fallback) {
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        const auto* o = body.if_object();
        const auto* message = o ? o->if_contains("message") : nullptr;
        ctx.out << (message && message->is_string() ? std::string(message->get_string()) : fallback) << '\n';
    });
}

}  // namespace fleet::ctl
