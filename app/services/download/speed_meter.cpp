#include "download/speed_meter.h"

#include <cmath>

namespace lowbit::app {

void SpeedMeter::restart(qint64 bytesSoFar) {
    clock_.start();
    samples_.clear();
    samples_.push_back({0, bytesSoFar});
}

void SpeedMeter::record(qint64 bytesSoFar) {
    if (!clock_.isValid()) restart(bytesSoFar);
    const qint64 now = clock_.elapsed();
    samples_.push_back({now, bytesSoFar});
    // Keep one sample older than the window so the window is always fully covered.
    while (samples_.size() > 2 && now - samples_[1].ms >= windowMs_) samples_.pop_front();
}

double SpeedMeter::bytesPerSecond() const {
    if (samples_.size() < 2) return 0;
    const Sample& first = samples_.front();
    const Sample& last = samples_.back();
    const qint64 dt = last.ms - first.ms;
    if (dt < 100) return 0;
    return double(last.bytes - first.bytes) * 1000.0 / double(dt);
}

qint64 SpeedMeter::secondsLeft(qint64 bytesSoFar, qint64 total) const {
    const double speed = bytesPerSecond();
    if (total < 0 || speed <= 0) return -1;
    return qint64(std::ceil(double(qMax<qint64>(0, total - bytesSoFar)) / speed));
}

}  // namespace lowbit::app
