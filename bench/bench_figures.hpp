#pragma once

#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

// Figures the load tools print and keep: quantiles, Prometheus histograms
// read from GET /metrics, and the key-figure lines `fleet-bench-dispatch
// --summarize` turns into medians.
namespace fleet::bench {

// Where a tool appends its key figures (nothing when `path` is empty), as
// "build<TAB>label<TAB>name<TAB>value" lines.
struct FigureFile {
    std::string path;
    std::string build;
    std::string label;

    void add(const std::string& name, double value) const;
};

// The q-quantile of `values` (nearest rank); 0 when there are none.
double quantile(std::vector<double> values, double q);

// One histogram read from a Prometheus page: le -> cumulative count, summed over label sets.
struct Histogram {
    std::string name;
    std::map<double, double> buckets;
    double sum = 0, count = 0;
};

// The first histogram whose name holds `needle` (empty when the page has none).
Histogram read_histogram(const std::string& page, std::string_view needle);

// The q-quantile of the observations between two readings, interpolated inside
// its bucket, in the histogram's unit; NaN when there were none.
double histogram_quantile(const Histogram& before, const Histogram& after, double q);

// The mean of the observations between two readings; NaN when there were none.
double histogram_mean(const Histogram& before, const Histogram& after);

// Milliseconds from one ISO 8601 timestamp to another; NaN when either is not one.
double ms_between(const boost::json::value& from, const boost::json::value& to);

}  // namespace fleet::bench
