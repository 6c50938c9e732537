// The header compiled as C++17: extern "C" linkage, enums and opaque types usable from C++.
#include "triggerdev.h"

#include <cstdio>
#include <cstring>
#include <memory>

namespace {
struct ErrorDeleter {
    void operator()(trigger_error *e) const { trigger_error_free(e); }
};
using Error = std::unique_ptr<trigger_error, ErrorDeleter>;
}  // namespace

int main() {
    int failed = 0;
    if (std::strcmp(trigger_version(), TRIGGERDEV_VERSION) != 0) {
        std::fprintf(stderr, "version mismatch: %s vs %s\n", trigger_version(), TRIGGERDEV_VERSION);
        failed++;
    }
    trigger_error *raw = nullptr;
    char *out = nullptr;
    trigger_result rc = trigger_runs_retrieve(nullptr, nullptr, &out, &raw);
    Error err(raw);
    if (rc != TRIGGER_RESULT_INVALID_ARGUMENT || trigger_error_kind(err.get()) != rc ||
        out != nullptr) {
        std::fprintf(stderr, "unexpected result %d\n", static_cast<int>(rc));
        failed++;
    }
    std::printf("RESULT header_cpp passed=%d failed=%d\n", failed == 0 ? 2 : 0, failed);
    return failed == 0 ? 0 : 1;
}
