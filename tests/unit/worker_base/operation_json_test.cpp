#include "worker_base/operation_json.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using fleet::worker::OperationView;

TEST_CASE("the fields a list may name are the keys of an operation's JSON, in its order", "[operation-json]") {
    OperationView operation;
    operation.operation_id = "op_1";
    operation.operation_type = "echo";
    std::vector<std::string> keys;
    for (const auto& member : fleet::worker::to_json(operation)) keys.emplace_back(member.key());
    const std::vector<std::string> fields(fleet::worker::operation_fields().begin(),
                                          fleet::worker::operation_fields().end());
    CHECK(keys == fields);
}
