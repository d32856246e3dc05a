// Reference for bench/process_bench.sh: a raw simdjson parse of a JSON file whose top level is an
// array, counting its elements (On-Demand API; the file is loaded into a padded buffer first).
//
//   simdjson_parse FILE      prints: ELEMENTS LOAD_SECONDS PARSE_SECONDS
#include <simdjson.h>

#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: simdjson_parse FILE\n");
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  simdjson::padded_string json;
  if (auto err = simdjson::padded_string::load(argv[1]).get(json)) {
    std::fprintf(stderr, "simdjson_parse: cannot load %s: %s\n", argv[1], simdjson::error_message(err));
    return 1;
  }
  const auto t1 = Clock::now();
  simdjson::ondemand::parser parser(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  size_t count = 0;
  auto err = parser.iterate(json).get(doc);
  if (!err) err = doc.get_array().get(array);
  // count_elements() walks the whole array; every element is visited (and validated structurally).
  if (!err) err = array.count_elements().get(count);
  if (err) {
    std::fprintf(stderr, "simdjson_parse: %s\n", simdjson::error_message(err));
    return 1;
  }
  const auto t2 = Clock::now();
  std::printf("%zu %.6f %.6f\n", count, std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count());
  return 0;
}
