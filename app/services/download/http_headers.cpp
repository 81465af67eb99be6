#include "download/http_headers.h"

#include <QRegularExpression>

namespace lowbit::app {

std::optional<ContentRange> parseContentRange(const QByteArray& value) {
    static const QRegularExpression kRange(
        QStringLiteral(R"(^\s*bytes\s+(\d{1,18})-(\d{1,18})/(\d{1,18}|\*)\s*$)"),
        QRegularExpression::CaseInsensitiveOption);
    const auto m = kRange.match(QString::fromLatin1(value));
    if (!m.hasMatch()) return std::nullopt;
    ContentRange r;
    r.first = m.captured(1).toLongLong();
    r.last = m.captured(2).toLongLong();
    r.total = m.captured(3) == QLatin1String("*") ? -1 : m.captured(3).toLongLong();
    if (r.first > r.last || (r.total >= 0 && r.last >= r.total)) return std::nullopt;
    return r;
}

QString normalizeEtag(const QByteArray& value) {
    QByteArray v = value.trimmed();
    if (v.startsWith("W/")) v.remove(0, 2);
    if (v.size() >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.mid(1, v.size() - 2);
    return QString::fromLatin1(v);
}

int parseRetryAfterMs(const QByteArray& value) {
    bool ok = false;
    const qint64 seconds = value.trimmed().toLongLong(&ok);
    if (!ok || seconds < 0) return -1;
    return int(qMin<qint64>(seconds, 3600) * 1000);
}

}  // namespace lowbit::app
