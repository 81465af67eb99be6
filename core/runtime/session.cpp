// Generation: prefix reuse, prefill, the decode loop, stop conditions and streaming text.
#include "lowbit/session.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "lowbit/error.h"
#include "lowbit/model.h"
#include "lowbit/tokenizer.h"

namespace lowbit {

const char* stop_reason_name(StopReason r) {
    switch (r) {
        case StopReason::MaxTokens: return "max_tokens";
        case StopReason::EndOfGeneration: return "eog";
        case StopReason::StopString: return "stop_string";
        case StopReason::ContextFull: return "context_full";
        case StopReason::Cancelled: return "cancelled";
    }
    return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Holds back generated text that could be the start of a stop string, so a stop string is
// never shown to the user, even when it arrives split over several tokens.
class StopMatcher {
public:
    explicit StopMatcher(const std::vector<std::string>& stops) : stops_(stops) {}
    // Adds text; returns what can be shown now. Sets `stopped` when a stop string completed.
    std::string push(const std::string& text, bool& stopped) {
        held_ += text;
        for (const auto& s : stops_) {
            if (s.empty()) continue;
            const size_t at = held_.find(s);
            if (at != std::string::npos) {
                stopped = true;
                std::string out = held_.substr(0, at);
                held_.clear();
                return out;
            }
        }
        // Keep the longest suffix that is a prefix of some stop string.
        size_t keep = 0;
        for (const auto& s : stops_) {
            if (s.empty()) continue;
            for (size_t len = std::min(s.size() - 1, held_.size()); len > keep; --len) {
                if (held_.compare(held_.size() - len, len, s, 0, len) == 0) {
                    keep = len;
                    break;
                }
            }
        }
        std::string out = held_.substr(0, held_.size() - keep);
        held_.erase(0, held_.size() - keep);
        return out;
    }
    std::string flush() { return std::exchange(held_, std::string()); }

private:
    const std::vector<std::string>& stops_;
    std::string held_;
};

}  // namespace

void Session::reset() {
    runner_.truncate(0);
    cached_.clear();
}

GenerateStats Session::generate(const std::string& prompt, const GenerateParams& params, const TokenCallback& on_text,
                                const std::atomic<bool>* cancel) {
    const auto tokens = runner_.model().tokenizer().encode(prompt, params.add_special, params.parse_special);
    return generate_tokens(tokens, params, on_text, cancel);
}

GenerateStats Session::generate_tokens(const std::vector<int32_t>& prompt, const GenerateParams& params,
                                       const TokenCallback& on_text, const std::atomic<bool>* cancel) {
    GenerateStats st;
    st.prompt_tokens = static_cast<int>(prompt.size());
    if (prompt.empty()) throw Error("the prompt is empty");
    const int n_ctx = runner_.n_ctx();
    if (static_cast<int>(prompt.size()) >= n_ctx)
        throw Error("the prompt has " + std::to_string(prompt.size()) + " tokens but the context holds only " +
                    std::to_string(n_ctx));

    const Tokenizer& tok = runner_.model().tokenizer();
    const size_t n_vocab = static_cast<size_t>(runner_.model().hparams().n_vocab);

    // Reuse the cached prefix; at least the last prompt token must run to produce logits.
    size_t common = 0;
    while (common < cached_.size() && common < prompt.size() && cached_[common] == prompt[common]) ++common;
    if (common == prompt.size()) --common;
    runner_.truncate(static_cast<int>(common));
    cached_.resize(common);
    st.reused_tokens = static_cast<int>(common);

    std::vector<float> logits(n_vocab);
    auto t0 = Clock::now();
    const std::span<const int32_t> rest(prompt.data() + common, prompt.size() - common);
    runner_.eval(rest, 1, logits.data());
    cached_.insert(cached_.end(), rest.begin(), rest.end());
    st.prefill_seconds = seconds_since(t0);

    Sampler sampler(params.sampling);
    StreamDecoder decoder(tok);
    StopMatcher stops(params.stop_strings);
    std::vector<int32_t> history = prompt;
    bool user_stopped = false;

    t0 = Clock::now();
    for (;;) {
        if (cancel && cancel->load()) {
            st.stop = StopReason::Cancelled;
            break;
        }
        if (st.generated_tokens >= params.max_tokens) {
            st.stop = StopReason::MaxTokens;
            break;
        }
        const int32_t id = sampler.sample(logits, history);
        if (tok.is_eog(id)) {
            st.stop = StopReason::EndOfGeneration;
            break;
        }
        ++st.generated_tokens;
        history.push_back(id);
        bool hit_stop = false;
        const std::string shown = stops.push(decoder.feed(id), hit_stop);
        if ((!shown.empty() || hit_stop) && on_text && !on_text(shown, id)) {
            user_stopped = true;
        }
        if (hit_stop) {
            st.stop = StopReason::StopString;
            break;
        }
        if (user_stopped) {
            st.stop = StopReason::Cancelled;
            break;
        }
        if (runner_.n_past() >= n_ctx) {
            st.stop = StopReason::ContextFull;
            break;
        }
        runner_.eval(std::span<const int32_t>(&id, 1), 1, logits.data());
        cached_.push_back(id);
    }
    st.decode_seconds = seconds_since(t0);
    if (st.stop != StopReason::StopString) {
        const std::string tail = stops.push(decoder.flush(), user_stopped) + stops.flush();
        if (!tail.empty() && on_text) on_text(tail, -1);
    }
    return st;
}

}  // namespace lowbit
