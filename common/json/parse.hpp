#pragma once

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>

namespace fleet::json {

// boost::json::parse, except that every double is read exactly (std::from_chars):
// Boost.JSON 1.81 reads about one double in ten 1 ulp off, so a number that
// passes through Fleet (parameters, results, the store) would not come out as
// it went in. Sets `ec` on malformed JSON or data after the document.
boost::json::value parse(std::string_view text, boost::system::error_code& ec);

}  // namespace fleet::json
