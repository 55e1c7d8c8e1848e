// fleet-openapi-docs: renders an OpenAPI 3 document (YAML) as one small,
// self-contained HTML page: the endpoints by tag, each with its summary,
// description, parameters, body example and answers. Runs at build time, so
// the backend serves /docs without parsing YAML and without any script or CDN.
//   fleet-openapi-docs <openapi.yaml> <out.html>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// The inline marks the documents use: `code` and **strong**, on escaped text.
std::string inline_marks(const std::string& text) {
    std::string out;
    const std::string escaped = escape(text);
    bool code = false, strong = false;
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        if (escaped[i] == '`') {
            out += code ? "</code>" : "<code>";
            code = !code;
        } else if (!code && escaped.compare(i, 2, "**") == 0) {
            out += strong ? "</strong>" : "<strong>";
            strong = !strong;
            ++i;
        } else {
            out += escaped[i];
        }
    }
    if (code) out += "</code>";
    if (strong) out += "</strong>";
    return out;
}

// The Markdown of descriptions, as far as the documents use it: paragraphs and "- " lists.
std::string markdown(const std::string& text) {
    std::istringstream in(text);
    std::string line, out, paragraph;
    bool in_list = false, in_item = false;
    auto flush_paragraph = [&] {
        if (!paragraph.empty()) out += "<p>" + inline_marks(paragraph) + "</p>\n";
        paragraph.clear();
    };
    auto close_item = [&] {
        if (in_item) out += "</li>\n";
        in_item = false;
    };
    auto close_list = [&] {
        close_item();
        if (in_list) out += "</ul>\n";
        in_list = false;
    };
    std::string item;
    while (std::getline(in, line)) {
        const auto start = line.find_first_not_of(' ');
        const std::string trimmed = start == std::string::npos ? "" : line.substr(start);
        if (trimmed.starts_with("- ")) {
            flush_paragraph();
            if (!in_list) out += "<ul>\n";
            in_list = true;
            close_item();
            out += "<li>" + inline_marks(trimmed.substr(2));
            in_item = true;
        } else if (trimmed.empty()) {
            flush_paragraph();
            close_list();
        } else if (in_item) {
            out += " " + inline_marks(trimmed);
        } else {
            paragraph += (paragraph.empty() ? "" : " ") + trimmed;
        }
    }
    flush_paragraph();
    close_list();
    return out;
}

std::string text_of(const YAML::Node& node, const char* key) {
    if (!node || !node.IsMap()) return {};
    const YAML::Node value = node[key];
    return value && value.IsScalar() ? value.as<std::string>() : std::string{};
}

// A `$ref` inside the document (#/components/...), followed.
YAML::Node resolve(const YAML::Node& root, const YAML::Node& node) {
    if (!node || !node.IsMap() || !node["$ref"]) return node;
    const std::string ref = node["$ref"].as<std::string>();
    if (!ref.starts_with("#/")) return node;
    // reset(), not `=`: assigning a YAML::Node writes into the node it refers to.
    YAML::Node at;
    at.reset(root);
    std::istringstream parts(ref.substr(2));
    std::string part;
    while (std::getline(parts, part, '/')) {
        const YAML::Node next = static_cast<const YAML::Node&>(at)[part];
        if (!next) return node;
        at.reset(next);
    }
    return at;
}

std::string schema_summary(const YAML::Node& root, const YAML::Node& schema_in) {
    if (!schema_in) return {};
    if (schema_in.IsMap() && schema_in["$ref"]) {
        const std::string ref = schema_in["$ref"].as<std::string>();
        return ref.substr(ref.rfind('/') + 1);
    }
    const YAML::Node schema = resolve(root, schema_in);
    std::string out = text_of(schema, "type");
    if (schema["enum"] && schema["enum"].IsSequence()) {
        std::string values;
        for (const auto& value : schema["enum"]) values += (values.empty() ? "" : ", ") + value.as<std::string>();
        out += " (" + values + ")";
    }
    if (schema["pattern"]) out += " matching " + schema["pattern"].as<std::string>();
    if (schema["default"]) out += ", default " + schema["default"].as<std::string>();
    return out;
}

std::string parameters_table(const YAML::Node& root, const std::vector<YAML::Node>& parameters) {
    if (parameters.empty()) return {};
    std::string out = "<table><tr><th>parameter</th><th>in</th><th>schema</th><th>description</th></tr>\n";
    for (const auto& raw : parameters) {
        const YAML::Node p = resolve(root, raw);
        const bool required = p["required"] && p["required"].as<bool>();
        out += "<tr><td><code>" + escape(text_of(p, "name")) + "</code>" + (required ? " *" : "") + "</td><td>" +
               escape(text_of(p, "in")) + "</td><td>" + escape(schema_summary(root, p["schema"])) + "</td><td>" +
               inline_marks(text_of(p, "description")) + "</td></tr>\n";
    }
    return out + "</table>\n";
}

std::string example_of(const YAML::Node& content) {
    if (!content || !content.IsMap()) return {};
    for (const auto& media : content) {
        const YAML::Node example = media.second["example"];
        if (!example) continue;
        YAML::Emitter emitter;
        emitter << YAML::DoubleQuoted << YAML::Flow << example;
        return "<pre>" + escape(emitter.c_str()) + "</pre>\n";
    }
    return {};
}

std::string operation_html(const YAML::Node& root, const std::string& path, const std::string& method,
                           const YAML::Node& operation, const YAML::Node& path_item) {
    std::string upper = method;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string id = text_of(operation, "operationId");
    std::string out = "<section id=\"" + escape(id) + "\"><h3><span class=\"m " + method + "\">" + upper +
                      "</span> <code>" + escape(path) + "</code></h3>\n<p class=\"s\">" +
                      inline_marks(text_of(operation, "summary")) + "</p>\n";
    if (operation["security"] && operation["security"].IsSequence() && operation["security"].size() == 0)
        out += "<p class=\"n\">No token needed.</p>\n";
    out += markdown(text_of(operation, "description"));
    std::vector<YAML::Node> parameters;
    for (const auto& list : {path_item["parameters"], operation["parameters"]})
        if (list && list.IsSequence())
            for (const auto& p : list) parameters.push_back(p);
    out += parameters_table(root, parameters);
    if (const YAML::Node body = resolve(root, operation["requestBody"]); body && body.IsMap()) {
        out += "<p><strong>Body</strong>" + std::string(body["required"] && body["required"].as<bool>() ? " (required)" : "") +
               "</p>\n" + markdown(text_of(body, "description")) + example_of(body["content"]);
    }
    if (const YAML::Node responses = operation["responses"]) {
        out += "<table class=\"r\"><tr><th>answer</th><th>meaning</th></tr>\n";
        for (const auto& entry : responses) {
            const YAML::Node response = resolve(root, entry.second);
            out += "<tr><td>" + escape(entry.first.as<std::string>()) + "</td><td>" +
                   inline_marks(text_of(response, "description")) + "</td></tr>\n";
        }
        out += "</table>\n";
    }
    return out + "</section>\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: fleet-openapi-docs <openapi.yaml> <out.html>\n";
        return 2;
    }
    try {
        const YAML::Node root = YAML::LoadFile(argv[1]);
        const std::string title = text_of(root["info"], "title");
        // Sections by tag, in the order the document lists its tags.
        std::vector<std::string> tag_order;
        std::map<std::string, std::string> tag_text;
        if (root["tags"])
            for (const auto& tag : root["tags"]) {
                tag_order.push_back(text_of(tag, "name"));
                tag_text[tag_order.back()] = text_of(tag, "description");
            }
        std::map<std::string, std::string> sections;
        std::map<std::string, std::string> contents;
        for (const auto& path_entry : root["paths"]) {
            const std::string path = path_entry.first.as<std::string>();
            for (const auto& op : path_entry.second) {
                const std::string method = op.first.as<std::string>();
                if (method == "parameters" || method == "summary" || method == "description") continue;
                std::string tag = "other";
                if (op.second["tags"] && op.second["tags"].size() > 0) tag = op.second["tags"][0].as<std::string>();
                if (std::find(tag_order.begin(), tag_order.end(), tag) == tag_order.end()) tag_order.push_back(tag);
                sections[tag] += operation_html(root, path, method, op.second, path_entry.second);
                std::string upper = method;
                for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                contents[tag] += "<li><a href=\"#" + escape(text_of(op.second, "operationId")) + "\">" + upper + " " +
                                 escape(path) + "</a> " + inline_marks(text_of(op.second, "summary")) + "</li>\n";
            }
        }
        std::ofstream out(argv[2]);
        out << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            << "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" << escape(title)
            << "</title>\n<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#222}"
            << "code,pre{font:13px ui-monospace,monospace;background:#f4f4f4}pre{padding:.5rem;overflow-x:auto;white-space:pre-wrap}"
            << "section{border-top:1px solid #ddd;padding:.3rem 0}h3{margin:.6rem 0 .2rem}.s{margin:.1rem 0;font-weight:600}"
            << ".n{color:#555;font-style:italic}table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #ddd;"
            << "padding:.2rem .4rem;text-align:left;vertical-align:top}.m{color:#fff;padding:0 .3rem;border-radius:3px}"
            << ".get{background:#2a7}.post{background:#27c}.delete{background:#c33}.put,.patch{background:#a6c}</style>"
            << "</head><body>\n<h1>" << escape(title) << " <small>" << escape(text_of(root["info"], "version"))
            << "</small></h1>\n<p>The machine-readable document: <a href=\"/openapi.yaml\">/openapi.yaml</a>.</p>\n"
            << markdown(text_of(root["info"], "description")) << "<h2>Endpoints</h2>\n";
        for (const auto& tag : tag_order) {
            if (!contents.count(tag)) continue;
            out << "<h3>" << escape(tag) << "</h3>\n<ul>\n" << contents[tag] << "</ul>\n";
        }
        for (const auto& tag : tag_order) {
            if (!sections.count(tag)) continue;
            out << "<h2>" << escape(tag) << "</h2>\n" << markdown(tag_text[tag]) << sections[tag];
        }
        out << "</body></html>\n";
        if (!out) throw std::runtime_error(std::string("could not write ") + argv[2]);
    } catch (const std::exception& error) {
        std::cerr << "fleet-openapi-docs: " << argv[1] << ": " << error.what() << "\n";
        return 1;
    }
    return 0;
}
