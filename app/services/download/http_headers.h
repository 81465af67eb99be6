#pragma once
// Parsing of the HTTP response headers a resumable download depends on.
#include <QByteArray>
#include <QString>
#include <optional>

namespace lowbit::app {

// "Content-Range: bytes 100-199/1000" (total may be "*": -1). Rejects anything else,
// including first > last or last >= total.
struct ContentRange {
    qint64 first = 0;
    qint64 last = 0;
    qint64 total = -1;
};
std::optional<ContentRange> parseContentRange(const QByteArray& value);

// An entity tag without the weak prefix and quotes: W/"abc" -> abc.
QString normalizeEtag(const QByteArray& value);

// "Retry-After: 7" in milliseconds, -1 when absent or not a number of seconds.
int parseRetryAfterMs(const QByteArray& value);

}  // namespace lowbit::app
