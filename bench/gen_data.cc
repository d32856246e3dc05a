// Test data for bench/process_bench.sh: a CSV or a JSON file (an array of objects) of typed columns,
// at least TARGET_BYTES long, written fast (a few hundred MB/s) and deterministic (fixed seed).
//
//   gen_data csv|json TARGET_BYTES OUT_FILE
//
// Columns: id (integer), name (string, sometimes quoted with a comma), price (decimal), qty (integer),
// date (YYYY-MM-DD), active (boolean), category (one of a few strings), note (free text).
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

uint64_t state = 0x9E3779B97F4A7C15ull;
inline uint64_t Rand() {  // xorshift64*
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 2685821657736338717ull;
}

const char* const kNames[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
                              "india", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa"};
const char* const kCategories[] = {"books", "garden", "toys", "electronics", "food", "sports"};
const char* const kWords[] = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing",
                              "elit", "sed", "do", "eiusmod", "tempor"};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (std::strcmp(argv[1], "csv") != 0 && std::strcmp(argv[1], "json") != 0)) {
    std::fprintf(stderr, "usage: gen_data csv|json TARGET_BYTES OUT_FILE\n");
    return 2;
  }
  const bool json = std::strcmp(argv[1], "json") == 0;
  const uint64_t target = std::strtoull(argv[2], nullptr, 10);
  FILE* out = std::fopen(argv[3], "wb");
  if (!out) {
    std::perror(argv[3]);
    return 1;
  }
  static char buf[1 << 20];
  std::setvbuf(out, buf, _IOFBF, sizeof buf);

  std::string line;
  line.reserve(512);
  uint64_t written = 0;
  if (json) {
    std::fputs("[\n", out);
    written += 2;
  } else {
    line = "id,name,price,qty,date,active,category,note\n";
    std::fwrite(line.data(), 1, line.size(), out);
    written += line.size();
  }
  char tmp[64];
  for (uint64_t id = 1; written < target; ++id) {
    const uint64_t r = Rand();
    const char* name = kNames[r & 15];
    const unsigned cents = static_cast<unsigned>((r >> 4) % 1000000);
    const unsigned qty = static_cast<unsigned>((r >> 24) % 1000);
    const unsigned y = 2000 + static_cast<unsigned>((r >> 34) % 25), m = 1 + static_cast<unsigned>((r >> 40) % 12),
                   d = 1 + static_cast<unsigned>((r >> 44) % 28);
    const bool active = (r >> 49) & 1;
    const char* cat = kCategories[(r >> 50) % 6];
    std::string note;
    const unsigned words = 2 + static_cast<unsigned>((r >> 54) % 6);
    uint64_t w = Rand();
    for (unsigned k = 0; k < words; ++k, w >>= 4) {
      if (k) note += ' ';
      note += kWords[(w & 15) % 12];
    }
    line.clear();
    if (json) {
      if (id > 1) line += ",\n";
      line += "{\"id\":";
      line += std::to_string(id);
      line += ",\"name\":\"";
      line += name;
      line += "\",\"price\":";
      std::snprintf(tmp, sizeof tmp, "%u.%02u", cents / 100, cents % 100);
      line += tmp;
      line += ",\"qty\":";
      line += std::to_string(qty);
      std::snprintf(tmp, sizeof tmp, ",\"date\":\"%04u-%02u-%02u\"", y, m, d);
      line += tmp;
      line += active ? ",\"active\":true" : ",\"active\":false";
      line += ",\"category\":\"";
      line += cat;
      line += "\",\"note\":\"";
      line += note;
      line += "\"}";
    } else {
      line += std::to_string(id);
      line += ',';
      if ((r >> 60) == 0) {  // one row in 16: a quoted field with a comma and an escaped quote
        line += '"';
        line += name;
        line += ", \"\"jr\"\"\"";
      } else {
        line += name;
      }
      std::snprintf(tmp, sizeof tmp, ",%u.%02u,%u,%04u-%02u-%02u,", cents / 100, cents % 100, qty, y, m, d);
      line += tmp;
      line += active ? "true" : "false";
      line += ',';
      line += cat;
      line += ',';
      line += note;
      line += '\n';
    }
    std::fwrite(line.data(), 1, line.size(), out);
    written += line.size();
  }
  if (json) std::fputs("\n]\n", out);
  if (std::fclose(out) != 0) {
    std::perror(argv[3]);
    return 1;
  }
  return 0;
}
