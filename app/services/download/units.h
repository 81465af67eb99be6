#pragma once
// Sizes, speeds and durations written for people ("1.19 GiB", "12.3 MiB/s", "1:05:09").
#include <QString>

namespace lowbit::app {

QString humanBytes(qint64 bytes);
QString humanSpeed(double bytesPerSecond);
// "0:42", "12:05", "1:05:09"; "?" for a negative (unknown) duration.
QString humanDuration(qint64 seconds);

}  // namespace lowbit::app
