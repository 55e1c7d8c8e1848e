#include "bench/bench_figures.hpp"

#include "common/json/time.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

namespace fleet::bench {

void FigureFile::add(const std::string& name, double value) const {
    if (path.empty()) return;
    std::ofstream(path, std::ios::app) << build << '\t' << label << '\t' << name << '\t' << value << '\n';
}

double quantile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

Histogram read_histogram(const std::string& page, std::string_view needle) {
    Histogram h;
    std::size_t pos = 0;
    while (pos < page.size()) {
        const auto end = std::min(page.find('\n', pos), page.size());
        const std::string line = page.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty() || line[0] == '#' || line.find(needle) == std::string::npos) continue;
        const auto space = line.rfind(' ');
        if (space == std::string::npos) continue;
        const double value = std::atof(line.c_str() + space + 1);
        const std::string name = line.substr(0, line.find_first_of("{ "));
        if (name.ends_with("_bucket")) {
            h.name = name.substr(0, name.size() - 7);
            const auto le = line.find("le=\"");
            if (le == std::string::npos) continue;
            const std::string bound = line.substr(le + 4, line.find('"', le + 4) - le - 4);
            h.buckets[bound == "+Inf" ? INFINITY : std::atof(bound.c_str())] += value;
        } else if (name.ends_with("_sum")) {
            h.sum += value;
        } else if (name.ends_with("_count")) {
            h.count += value;
        }
    }
    return h;
}

double histogram_quantile(const Histogram& before, const Histogram& after, double q) {
    double total = after.count - before.count, lower = 0, below = 0;
    if (total <= 0) return NAN;
    for (const auto& [le, cumulative] : after.buckets) {
        const auto was = before.buckets.find(le);
        const double count = cumulative - (was == before.buckets.end() ? 0 : was->second);
        if (count >= q * total) {
            if (std::isinf(le)) return lower;
            return lower + (le - lower) * (count - below > 0 ? (q * total - below) / (count - below) : 1);
        }
        lower = le;
        below = count;
    }
    return lower;
}

double histogram_mean(const Histogram& before, const Histogram& after) {
    const double n = after.count - before.count;
    return n > 0 ? (after.sum - before.sum) / n : NAN;
}

double ms_between(const boost::json::value& from, const boost::json::value& to) {
    if (!from.is_string() || !to.is_string()) return NAN;
    const auto a = json::parse_iso8601(from.get_string());
    const auto b = json::parse_iso8601(to.get_string());
    if (!a || !b) return NAN;
    return std::chrono::duration<double, std::milli>(*b - *a).count();
}

}  // namespace fleet::bench
