// lowbit tokenize -m MODEL (-p TEXT | -f FILE): token ids as one line "[id, id, ...]", exactly
// as llama-tokenize --ids prints them (BOS when the model asks for it, special texts parsed).
// Only the vocabulary is read, so vocabulary-only GGUF files work too.
#include <cstdio>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "lowbit/gguf.h"
#include "lowbit/tokenizer.h"

namespace lowbit::cli {

int cmd_tokenize(Args& args) {
    const std::string path = args.required({"-m", "--model"}, "model file");
    const std::string text = prompt_text(args);
    const bool no_bos = args.flag({"--no-bos"});
    const bool no_parse_special = args.flag({"--no-parse-special"});
    args.finish();

    auto file = GgufFile::open(path);
    auto tok = Tokenizer::from_gguf(*file);
    // As llama-tokenize: special tokens are added only when the model asks for BOS (and --no-bos
    // is not given); the text is taken literally (no escape processing).
    auto ids =
        tok->encode(text, /*add_special=*/!no_bos && tok->add_bos(), /*parse_special=*/!no_parse_special);
    std::string out = "[";
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(ids[i]);
    }
    out += "]\n";
    std::fputs(out.c_str(), stdout);
    return 0;
}

}  // namespace lowbit::cli
