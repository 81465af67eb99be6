#pragma once
// Turns a conversation into the prompt for one reply: renders it in the model's chat format
// and, when it does not fit the context (with room left for the reply), drops the oldest turns
// (never the system prompt or the newest user turn) until it does.
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "chat/chat_template.h"

namespace lowbit::app::chat {

struct PromptPlan {
    std::string prompt;
    int promptTokens = 0;
    int droppedTurns = 0;  // oldest turns left out to fit the context
    std::vector<std::string> stopStrings;
};

class PromptTooLong : public std::runtime_error {
  public:
    PromptTooLong(int tokens, int budget)
        : std::runtime_error("prompt too long"), tokens(tokens), budget(budget) {}
    int tokens;
    int budget;
};

using TokenCounter = std::function<int(const std::string& prompt)>;

// How many tokens to keep free for the reply: the reply limit, but at most a quarter of the
// context so that a large limit does not squeeze the conversation out.
int replyReserve(int contextLength, int maxTokens);

// `turns`: an optional leading system turn, then alternating user/assistant turns ending with
// the user turn to answer (or, in completion mode, any text). Throws PromptTooLong when even
// the system prompt and the newest turn alone exceed the budget.
PromptPlan buildPrompt(const TemplateSpec& spec, const std::vector<Turn>& turns, const RenderOptions& options,
                       int contextLength, int maxTokens, const TokenCounter& countTokens);

}  // namespace lowbit::app::chat
