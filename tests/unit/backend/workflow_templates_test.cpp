#include "backend/workflows/templates.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace fleet::backend::workflows;
namespace bj = boost::json;

namespace {

bj::value parse(std::string_view text) { return bj::parse(text); }

std::vector<TemplateRef> found_in(std::string_view parameters) {
    auto found = find_templates(parse(parameters));
    if (const auto* error = std::get_if<std::string>(&found)) FAIL("unexpected error: " << *error);
    return std::get<std::vector<TemplateRef>>(std::move(found));
}

// Step results for resolve_templates, by step name.
struct Results {
    std::map<std::string, bj::value> by_step;

    std::function<const bj::value*(const std::string&)> lookup() const {
        return [this](const std::string& step) -> const bj::value* {
            const auto found = by_step.find(step);
            return found == by_step.end() ? nullptr : &found->second;
        };
    }
};

const bj::object kInputs = parse(R"({"symbol": "AAPL", "days": 30, "window": {"from": "2024-01-01", "to": null},
                                     "tags": ["a", "b"], "ratio": 0.1})")
                               .as_object();

Results results() {
    Results r;
    r.by_step["clean"] = parse(R"({"output_file": "/data/aapl.clean.csv", "rows": [{"name": "x", "n": 1},
                                   {"name": "y", "n": 2}], "ok": true, "stats": {"mean": 1.5, "max": 7}, "none": null})");
    r.by_step["count"] = 42;
    return r;
}

std::variant<bj::object, std::string> resolve(std::string_view parameters, const Results& r = results()) {
    return resolve_templates(parse(parameters).as_object(), kInputs, r.lookup());
}

bj::object resolved(std::string_view parameters, const Results& r = results()) {
    auto out = resolve(parameters, r);
    if (const auto* error = std::get_if<std::string>(&out)) FAIL("unexpected error: " << *error);
    return std::get<bj::object>(std::move(out));
}

std::string resolve_error(std::string_view parameters) {
    auto out = resolve(parameters);
    if (const auto* object = std::get_if<bj::object>(&out)) FAIL("expected an error, got " << bj::serialize(*object));
    return std::get<std::string>(std::move(out));
}

// A string that is refused, and a part of the message saying why.
struct ErrorCase {
    const char* text;
    const char* why;
};

}  // namespace

TEST_CASE("find_templates: both forms, with and without a path", "[workflow-templates]") {
    const auto refs = found_in(R"({"a": "${inputs.symbol}", "b": "${steps.clean.result.rows.0.name}",
                                   "c": "${steps.clean.result}"})");
    REQUIRE(refs.size() == 3);
    CHECK(refs[0].source == TemplateRef::Source::Inputs);
    CHECK(refs[0].step.empty());
    CHECK(refs[0].path == std::vector<std::string>{"symbol"});
    CHECK(refs[0].text == "${inputs.symbol}");
    CHECK(refs[1].source == TemplateRef::Source::Step);
    CHECK(refs[1].step == "clean");
    CHECK(refs[1].path == std::vector<std::string>{"rows", "0", "name"});
    CHECK(refs[1].text == "${steps.clean.result.rows.0.name}");
    CHECK(refs[2].source == TemplateRef::Source::Step);
    CHECK(refs[2].step == "clean");
    CHECK(refs[2].path.empty());
}

TEST_CASE("find_templates: every string value, nested, in order; never keys", "[workflow-templates]") {
    const auto refs = found_in(R"({"${inputs.key}": "plain",
                                   "list": ["${inputs.a}", 1, {"deep": ["x ${inputs.b} y ${steps.s.result.c}"]}],
                                   "n": 3, "t": true, "z": null, "last": "${inputs.d}"})");
    std::vector<std::string> texts;
    for (const auto& ref : refs) texts.push_back(ref.text);
    CHECK(texts == std::vector<std::string>{"${inputs.a}", "${inputs.b}", "${steps.s.result.c}", "${inputs.d}"});
}

TEST_CASE("find_templates: no templates, and lone $ or braces, are not templates", "[workflow-templates]") {
    CHECK(found_in(R"({})").empty());
    CHECK(found_in(R"({"price": "$5", "set": "{a}", "b": "{$}", "end": "costs $", "n": [1, 2.5, false]})").empty());
}

TEST_CASE("find_templates: a malformed template is an error naming the string and why", "[workflow-templates]") {
    const ErrorCase cases[] = {
        {"${inputs.symbol", "without a closing '}'"},
        {"ok ${inputs.a} then ${steps.b", "without a closing '}'"},
        {"${}", "empty path segment"},
        {"${inputs}", "is neither"},
        {"${inputs.}", "empty path segment"},
        {"${inputs..x}", "empty path segment"},
        {"${input.x}", "is neither"},
        {"${steps.a}", "is neither"},
        {"${steps.a.output}", "is neither"},
        {"${steps..result}", "empty path segment"},
        {"${steps.a.result.}", "empty path segment"},
        {"${HOME}", "is neither"},
        {"${ inputs.x}", "is neither"},
        {"${inputs.${x}}", "'$' or '{'"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        bj::object parameters{{"p", bj::array{1, bj::object{{"q", c.text}}}}};
        auto found = find_templates(parameters);
        REQUIRE(std::holds_alternative<std::string>(found));
        const auto& error = std::get<std::string>(found);
        CHECK_THAT(error, Catch::Contains(std::string("'") + c.text + "'"));
        CHECK_THAT(error, Catch::Contains(c.why));
    }
}

TEST_CASE("resolve: a string that is one whole template takes the value with its type", "[workflow-templates]") {
    const auto out = resolved(R"({"symbol": "${inputs.symbol}", "days": "${inputs.days}", "window": "${inputs.window}",
                                  "to": "${inputs.window.to}", "tags": "${inputs.tags}", "ok": "${steps.clean.result.ok}",
                                  "mean": "${steps.clean.result.stats.mean}", "none": "${steps.clean.result.none}",
                                  "file": "${steps.clean.result.output_file}"})");
    CHECK(out.at("symbol") == "AAPL");
    CHECK(out.at("days") == 30);
    CHECK(out.at("window") == parse(R"({"from": "2024-01-01", "to": null})"));
    CHECK(out.at("to").is_null());
    CHECK(out.at("tags") == parse(R"(["a", "b"])"));
    CHECK(out.at("ok") == true);
    CHECK(out.at("mean") == 1.5);
    CHECK(out.at("none").is_null());
    CHECK(out.at("file") == "/data/aapl.clean.csv");
}

TEST_CASE("resolve: ${steps.x.result} without a path is the whole result", "[workflow-templates]") {
    const auto r = results();
    const auto out = resolved(R"({"all": "${steps.clean.result}", "count": "${steps.count.result}"})", r);
    CHECK(out.at("all") == r.by_step.at("clean"));
    CHECK(out.at("count") == 42);
}

TEST_CASE("resolve: templates inside a longer string are replaced by their text", "[workflow-templates]") {
    const auto out = resolved(R"({"s": "sym=${inputs.symbol}", "n": "${inputs.days} days", "d": "r=${inputs.ratio}",
                                  "o": "w=${inputs.window}", "a": "${inputs.tags}!", "b": "${steps.clean.result.ok}?",
                                  "z": "[${inputs.window.to}]", "two": "${inputs.symbol}${inputs.days}",
                                  "both": "${inputs.symbol}/${steps.clean.result.rows.1.name}.csv"})");
    CHECK(out.at("s") == "sym=AAPL");
    CHECK(out.at("n") == "30 days");
    CHECK(out.at("d") == "r=0.1");  // the shortest text of the double, not 1E-1
    CHECK(out.at("o") == R"(w={"from":"2024-01-01","to":null})");
    CHECK(out.at("a") == R"(["a","b"]!)");
    CHECK(out.at("b") == "true?");
    CHECK(out.at("z") == "[null]");
    CHECK(out.at("two") == "AAPL30");
    CHECK(out.at("both") == "AAPL/y.csv");
}

TEST_CASE("resolve: nested objects and arrays are resolved; keys and other values are kept", "[workflow-templates]") {
    const auto out = resolved(R"({"${inputs.symbol}": 1, "outer": {"list": ["${inputs.days}", {"f": "x-${inputs.symbol}"},
                                  [true, null, 2.5, "${steps.clean.result.rows.0}"]]}, "plain": "no templates", "n": 7})");
    CHECK(out == parse(R"({"${inputs.symbol}": 1, "outer": {"list": [30, {"f": "x-AAPL"},
                          [true, null, 2.5, {"name": "x", "n": 1}]]}, "plain": "no templates", "n": 7})"));
}

TEST_CASE("resolve: digit segments index arrays", "[workflow-templates]") {
    const auto out = resolved(R"({"first": "${inputs.tags.0}", "second": "${inputs.tags.1}",
                                  "n": "${steps.clean.result.rows.1.n}", "row": "${steps.clean.result.rows.0}"})");
    CHECK(out.at("first") == "a");
    CHECK(out.at("second") == "b");
    CHECK(out.at("n") == 2);
    CHECK(out.at("row") == parse(R"({"name": "x", "n": 1})"));
}

TEST_CASE("resolve: a digit key of an object is a key, not an index", "[workflow-templates]") {
    Results r;
    r.by_step["s"] = parse(R"({"by_year": {"2024": "leap"}})");
    CHECK(resolved(R"({"y": "${steps.s.result.by_year.2024}"})", r).at("y") == "leap");
}

TEST_CASE("resolve: a reference that leads nowhere is an error naming the template", "[workflow-templates]") {
    const ErrorCase cases[] = {
        {"${inputs.missing}", "inputs has no field 'missing'"},
        {"${inputs.window.since}", "inputs.window has no field 'since'"},
        {"${inputs.symbol.length}", "inputs.symbol is neither an object nor an array"},
        {"${inputs.tags.2}", "inputs.tags has no element 2"},
        {"${inputs.tags.first}", "inputs.tags is an array, and 'first' is not an index"},
        {"${inputs.tags.-1}", "is not an index"},
        {"${inputs.tags.99999999999999999999999}", "is not an index"},
        {"${steps.clean.result.output}", "steps.clean.result has no field 'output'"},
        {"${steps.clean.result.rows.5.name}", "steps.clean.result.rows has no element 5"},
        {"${steps.clean.result.rows.0.size}", "steps.clean.result.rows.0 has no field 'size'"},
        {"${steps.count.result.value}", "steps.count.result is neither an object nor an array"},
        {"${steps.later.result}", "step 'later' has no result"},
        {"${steps.later.result.x}", "step 'later' has no result"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        for (const auto& wrapped : {std::string(c.text), "in text " + std::string(c.text)}) {
            const auto error = resolve_error(bj::serialize(bj::object{{"p", bj::array{wrapped}}}));
            CHECK_THAT(error, Catch::StartsWith(c.text));
            CHECK_THAT(error, Catch::Contains(c.why));
        }
    }
}

TEST_CASE("resolve: a malformed template is an error too", "[workflow-templates]") {
    CHECK_THAT(resolve_error(R"({"p": "${inputs.symbol"})"), Catch::Contains("without a closing '}'"));
    CHECK_THAT(resolve_error(R"({"p": {"q": "${steps.clean.output}"}})"), Catch::Contains("${steps.clean.output}"));
}

TEST_CASE("resolve: parameters without templates come back equal", "[workflow-templates]") {
    const char* text = R"({"a": 1, "b": [1, "two", {"c": null}], "d": {"e": false, "f": 1.25}, "g": "$ {x}"})";
    CHECK(resolved(text) == parse(text).as_object());
    CHECK(resolved("{}").empty());
}
