// cxxprog.cc: a C++ program exercising iostreams, strings, containers and
// exceptions (each throw allocates its exception object with malloc).
// It prints a digest of its work; the driver runs it under LD_PRELOAD of the
// allocator and without, and compares the two outputs. It also checks its
// own results and ends with "cxxprog: ok" or exits 1.
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct ParseError : std::runtime_error {
    explicit ParseError(const std::string &what) : std::runtime_error(what) {}
};

int parse(const std::string &s) {
    if (s.empty() || s[0] == 'x')
        throw ParseError("cannot parse '" + s + "' as a number: " + std::string(s.size() % 50, '!'));
    return std::stoi(s);
}

}  // namespace

int main() {
    std::map<std::string, std::vector<std::string>> index;
    std::ostringstream log;
    long caught = 0, parsed = 0, sum = 0;
    for (int i = 0; i < 200000; i++) {
        std::string tok = (i % 7 == 0) ? "x" + std::to_string(i) : std::to_string(i % 1000);
        try {
            sum += parse(tok);
            parsed++;
        } catch (const ParseError &e) {
            caught++;
            if (caught % 5000 == 0)
                log << e.what() << '\n';
        }
        index[std::to_string(i % 997)].push_back(tok);
    }
    // Nested exceptions and rethrow through several frames.
    long nested = 0;
    for (int i = 0; i < 2000; i++) {
        try {
            try {
                throw std::out_of_range(std::string(100 + i % 400, 'o'));
            } catch (const std::exception &) {
                std::throw_with_nested(std::runtime_error("outer " + std::to_string(i)));
            }
        } catch (const std::runtime_error &e) {
            try {
                std::rethrow_if_nested(e);
            } catch (const std::out_of_range &inner) {
                nested += static_cast<long>(inner.what()[0] == 'o');
            }
        }
    }
    std::uint64_t h = 1469598103934665603ull;
    for (const auto &kv : index)
        for (const auto &s : kv.second)
            for (char c : s)
                h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    std::istringstream in(log.str());
    std::string line;
    long lines = 0;
    while (std::getline(in, line))
        lines++;
    std::cout << "parsed " << parsed << " caught " << caught << " nested " << nested << " sum " << sum
              << " keys " << index.size() << " lines " << lines << " hash " << std::hex << h << std::dec << '\n';
    bool ok = caught == 28572 && parsed == 200000 - 28572 && nested == 2000 && index.size() == 997 && lines == 5;
    std::cout << (ok ? "cxxprog: ok" : "cxxprog: WRONG RESULTS") << std::endl;
    return ok ? 0 : 1;
}
