#pragma once
// Download speed over a sliding window of recent samples, and the time left from it.
#include <QElapsedTimer>
#include <deque>

namespace lowbit::app {

class SpeedMeter {
  public:
    explicit SpeedMeter(qint64 windowMs = 5000) : windowMs_(windowMs) {}

    // Starts a new transfer (speed forgets previous connections, the byte count does not).
    void restart(qint64 bytesSoFar);
    void record(qint64 bytesSoFar);
    // Bytes per second over the window; 0 until two samples at least 100 ms apart exist.
    double bytesPerSecond() const;
    // Seconds until `total` at the current speed, -1 when unknown.
    qint64 secondsLeft(qint64 bytesSoFar, qint64 total) const;

  private:
    struct Sample {
        qint64 ms;
        qint64 bytes;
    };
    qint64 windowMs_;
    QElapsedTimer clock_;
    std::deque<Sample> samples_;
};

}  // namespace lowbit::app
