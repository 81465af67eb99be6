#include "chat/prompt_builder.h"

#include <algorithm>

namespace lowbit::app::chat {

int replyReserve(int contextLength, int maxTokens) {
    return std::clamp(maxTokens, 1, std::max(1, contextLength / 4));
}

PromptPlan buildPrompt(const TemplateSpec& spec, const std::vector<Turn>& turns, const RenderOptions& options,
                       int contextLength, int maxTokens, const TokenCounter& countTokens) {
    const int budget = contextLength - replyReserve(contextLength, maxTokens);
    const bool hasSystem = !turns.empty() && turns.front().role == "system";
    const size_t firstDroppable = hasSystem ? 1 : 0;

    std::vector<Turn> kept = turns;
    PromptPlan plan;
    plan.stopStrings = stopStrings(spec, options.eos);
    for (;;) {
        plan.prompt = render(spec, kept, options);
        plan.promptTokens = countTokens(plan.prompt);
        if (plan.promptTokens <= budget) return plan;
        // Keep at least the newest turn. Drop a user turn together with the reply that
        // follows it, so the conversation still alternates.
        if (kept.size() <= firstDroppable + 1) throw PromptTooLong(plan.promptTokens, budget);
        size_t n = 1;
        if (kept[firstDroppable].role == "user" && kept.size() > firstDroppable + 2 &&
            kept[firstDroppable + 1].role == "assistant") {
            n = 2;
        }
        kept.erase(kept.begin() + long(firstDroppable), kept.begin() + long(firstDroppable + n));
        plan.droppedTurns += int(n);
    }
}

}  // namespace lowbit::app::chat
