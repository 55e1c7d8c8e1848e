// Boost.JSON and Boost.URL compiled from source into the fuzz build, so that
// their parsing code carries the fuzzer's coverage and the sanitizers' checks
// (Debian's libboost_json/libboost_url are built without either).
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
