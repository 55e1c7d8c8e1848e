#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fleet::backend::workflows {

// `${inputs.<path>}` and `${steps.<name>.result[.<path>]}` in a step's
// parameters. A path is dotted; a segment of digits indexes an array.
struct TemplateRef {
    enum class Source { Inputs, Step };
    Source source = Source::Inputs;
    std::string step;                // Step: the step named
    std::vector<std::string> path;   // into the inputs, or into the step's result
    std::string text;                // the template as written, e.g. "${steps.clean.result.output_file}"
};

// Every template in `parameters` (keys are not templated), in the order found.
// A `${` that does not make a template of the two forms above is an error: its
// message says which string and why.
std::variant<std::vector<TemplateRef>, std::string> find_templates(const boost::json::value& parameters);

// The parameters with every template replaced. A string that is one whole
// template becomes the referenced JSON value, with its type; a template inside
// a longer string is replaced by its text (a string as it is, anything else as
// compact JSON). `result_of(step)` gives a completed step's result, or nothing.
// A reference that leads nowhere (a missing field or step result) is an error
// whose message names the template.
std::variant<boost::json::object, std::string> resolve_templates(
    const boost::json::object& parameters, const boost::json::object& inputs,
    const std::function<const boost::json::value*(const std::string& step)>& result_of);

}  // namespace fleet::backend::workflows
