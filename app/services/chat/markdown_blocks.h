#pragma once
// Splits a reply into the blocks the chat view draws differently: Markdown prose, fenced code
// (monospaced, with a copy button) and a leading <think>…</think> reasoning section. Works on
// text that is still streaming: an unclosed fence or think tag gives a block marked incomplete.
#include <QList>
#include <QString>

namespace lowbit::app::chat {

struct TextBlock {
    enum class Kind { Markdown, Code, Think };
    Kind kind = Kind::Markdown;
    QString text;      // code without its fences; prose as Markdown
    QString language;  // the fence's info string ("cpp", "python"), code blocks only
    bool complete = true;
};

QList<TextBlock> splitBlocks(const QString& text);

}  // namespace lowbit::app::chat
