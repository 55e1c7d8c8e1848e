// Wrote backend_v1.db with the first release's store (backend/storage/store.hpp
// at commit 2b5a4ea). Not built by CMake: that Store is gone. To write it again,
// check out 2b5a4ea, build it, then:
//   c++ -std=c++20 -I. tests/data/make_backend_v1_db.cpp build/backend/libfleet_backend.a \
//       build/common/libfleet_common.a -lboost_json -lsqlite3 -o /tmp/make_v1 && /tmp/make_v1 tests/data/backend_v1.db
#include "backend/storage/store.hpp"
#include "tests/unit/backend/store_records.hpp"

#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_backend_v1_db FILE\n");
        return 2;
    }
    fleet::backend::Store store(argv[1]);
    for (const auto& worker : fleet::test::v1_workers()) store.save_worker(worker);
    for (const auto& operation : fleet::test::v1_operations())
        if (store.insert_operation(operation) != fleet::backend::Store::Insert::Inserted) return 1;
    return 0;
}
