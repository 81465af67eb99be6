#pragma once
// Perplexity as ../shared/reference/perplexity-onebit-paper-c128.tsv measures it (llama-perplexity
// -f papers/onebit-paper.md -c 128 -t 2), for the tests that compare a model's figure with
// llama.cpp's. Header-only: test_support itself does not link the engine; the tests using it do.
#include <string>

#include "lowbit/model.h"
#include "lowbit/perplexity.h"
#include "lowbit/runner.h"
#include "test_data.h"

namespace lowbit::test {

// max_chunks < 0: every 128-token window of the paper.
inline PerplexityResult paper_perplexity(const std::string& model_file, int max_chunks = -1) {
    auto model = Model::load(model_file);
    RunnerOptions ro;
    ro.n_threads = 2;
    ro.n_ctx = 128;
    auto runner = create_runner(*model, ro);
    PerplexityOptions po;
    po.n_ctx = 128;
    po.max_chunks = max_chunks;
    return perplexity_text(*runner, read_file(shared_path("papers/onebit-paper.md")), po);
}

}  // namespace lowbit::test
