#include "chat/markdown_blocks.h"

#include <QStringList>

namespace lowbit::app::chat {
namespace {

// A fence line: up to 3 spaces, then 3+ backticks or tildes (CommonMark).
bool parseFence(const QString& line, QChar* ch, int* len, QString* info) {
    int i = 0;
    while (i < line.size() && i < 3 && line[i] == u' ') ++i;
    if (i >= line.size() || (line[i] != u'`' && line[i] != u'~')) return false;
    const QChar c = line[i];
    int n = 0;
    while (i + n < line.size() && line[i + n] == c) ++n;
    if (n < 3) return false;
    const QString rest = line.mid(i + n).trimmed();
    if (c == u'`' && rest.contains(u'`')) return false;  // not a fence by CommonMark's rule
    *ch = c;
    *len = n;
    *info = rest;
    return true;
}

void addMarkdown(QList<TextBlock>& out, QStringList& lines) {
    // Drop blank lines at both ends; keep the prose only if something is left.
    while (!lines.isEmpty() && lines.first().trimmed().isEmpty()) lines.removeFirst();
    while (!lines.isEmpty() && lines.last().trimmed().isEmpty()) lines.removeLast();
    if (!lines.isEmpty()) out.append({TextBlock::Kind::Markdown, lines.join(u'\n'), {}, true});
    lines.clear();
}

}  // namespace

QList<TextBlock> splitBlocks(const QString& input) {
    QList<TextBlock> out;
    QString text = input;

    // Reasoning models open their reply with <think>; it is shown folded.
    const QString trimmedStart = text.trimmed();
    if (trimmedStart.startsWith(QLatin1String("<think>"))) {
        const qsizetype open = text.indexOf(QLatin1String("<think>"));
        const qsizetype close = text.indexOf(QLatin1String("</think>"), open);
        const qsizetype bodyStart = open + 7;
        if (close < 0) {
            out.append({TextBlock::Kind::Think, text.mid(bodyStart).trimmed(), {}, false});
            return out;
        }
        out.append({TextBlock::Kind::Think, text.mid(bodyStart, close - bodyStart).trimmed(), {}, true});
        text = text.mid(close + 8);
    }

    const QStringList lines = text.split(u'\n');
    QStringList prose;
    QStringList code;
    bool inCode = false;
    QChar fenceChar;
    int fenceLen = 0;
    QString language;
    for (const QString& line : lines) {
        QChar c;
        int n = 0;
        QString info;
        if (!inCode) {
            if (parseFence(line, &c, &n, &info)) {
                addMarkdown(out, prose);
                inCode = true;
                fenceChar = c;
                fenceLen = n;
                language = info.section(u' ', 0, 0);
                code.clear();
            } else {
                prose << line;
            }
        } else if (parseFence(line, &c, &n, &info) && c == fenceChar && n >= fenceLen && info.isEmpty()) {
            out.append({TextBlock::Kind::Code, code.join(u'\n'), language, true});
            inCode = false;
        } else {
            code << line;
        }
    }
    if (inCode) {
        out.append({TextBlock::Kind::Code, code.join(u'\n'), language, false});
    } else {
        addMarkdown(out, prose);
    }
    return out;
}

}  // namespace lowbit::app::chat
