#include "download/units.h"

namespace lowbit::app {

QString humanBytes(qint64 bytes) {
    if (bytes < 0) return QStringLiteral("?");
    if (bytes < 1024) return QStringLiteral("%1 B").arg(bytes);
    static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = double(bytes) / 1024.0;
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    return QStringLiteral("%1 %2")
        .arg(value, 0, 'f',
             value < 10    ? 2
             : value < 100 ? 1
                           : 0)
        .arg(QLatin1String(kUnits[unit]));
}

QString humanSpeed(double bytesPerSecond) {
    if (bytesPerSecond < 0) return QStringLiteral("?");
    return humanBytes(qint64(bytesPerSecond)) + QStringLiteral("/s");
}

QString humanDuration(qint64 seconds) {
    if (seconds < 0) return QStringLiteral("?");
    const qint64 h = seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60;
    if (h > 0)
        return QStringLiteral("%1:%2:%3")
            .arg(h)
            .arg(m, 2, 10, QLatin1Char('0'))
            .arg(s, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QLatin1Char('0'));
}

}  // namespace lowbit::app
