#include "commands.h"

namespace lowbit::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> kCommands = {
        {"info", "info -m MODEL [--json]", "metadata, tensor table, parameter count and bits per weight",
         cmd_info},
        {"tokenize", "tokenize -m MODEL (-p TEXT | -f FILE)", "print the token ids of a text as [id, ...]",
         cmd_tokenize},
        {"generate",
         "generate -m MODEL -p TEXT [-n N] [--temp T] [--seed S] [-t THREADS] [--device D] [--onebit-int8]",
         "stream a continuation of the prompt", cmd_generate},
        {"perplexity",
         "perplexity -m MODEL -f FILE [-c CTX] [-t THREADS] [--device D] [--onebit-int8] [--json]",
         "perplexity of a text, llama.cpp's method", cmd_perplexity},
        {"bench",
         "bench (-m MODEL | --dummy SHAPE --type TYPE) [-p 64] [-n 32] [-t THREADS] [--onebit-int8] [--json]",
         "prefill and decode speed, weight/KV bytes, peak RSS", cmd_bench},
        {"compare", "compare --models A,B[,...] --text FILE [-c CTX] [-t N] [--device D] [--json]",
         "perplexity, speed and memory of several models on the same text", cmd_compare},
        {"pull",
         "pull OWNER/REPO [FILE...] [--dir DIR] [--revision R] [--token T (or $HF_TOKEN)] "
         "[--hub URL (or $HF_ENDPOINT)] [--parallel N] [--retries N] [--proxy URL|none] [--json]",
         "list a Hub repository's files, or download FILEs (resumable, SHA-256 checked)", cmd_pull},
        {"convert",
         "convert -m INPUT -o OUTPUT --type TYPE [--keep-high-precision POLICY] [--embd-type T] "
         "[--output-type T] "
         "[--keep-type T] [--ternary-rule absmean|llama] [--onebit-method nmf|power] [--iterations N] "
         "[--calibration FILE] [-c CTX] [--chunks N] [-t N] [--force] [--dry-run] [--tensors] [--json]",
         "GGUF or Hugging Face model to f16/bf16/q8_0/q4_0/tq1_0/tq2_0/i2_s/onebit/binary GGUF", cmd_convert},
        {"devices", "devices [--json]",
         "list the devices --device accepts (CPU, Vulkan GPUs) with memory and features", cmd_devices},
    };
    return kCommands;
}

}  // namespace lowbit::cli
