#include "engine/devices.h"

#include <unistd.h>
#include <QFile>
#include <QRegularExpression>
#include <QThread>

namespace lowbit::app {
namespace {

QString cpuModelName() {
    QFile f(QStringLiteral("/proc/cpuinfo"));
    if (!f.open(QIODevice::ReadOnly)) return QStringLiteral("CPU");
    const QString text = QString::fromUtf8(f.readAll());
    static const QRegularExpression re(QStringLiteral("^model name\\s*:\\s*(.+)$"),
                                       QRegularExpression::MultilineOption);
    const auto m = re.match(text);
    return m.hasMatch() ? m.captured(1).simplified() : QStringLiteral("CPU");
}

}  // namespace

SystemMemory systemMemory() {
    SystemMemory m;
    QFile f(QStringLiteral("/proc/meminfo"));
    if (!f.open(QIODevice::ReadOnly)) return m;
    // /proc files report size 0, so read until EOF rather than testing atEnd().
    for (const QByteArray& line : f.readAll().split('\n')) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() < 2) continue;
        const qint64 kb = parts[1].toLongLong();
        if (parts[0] == "MemTotal:") m.totalBytes = kb * 1024;
        if (parts[0] == "MemAvailable:") m.availableBytes = kb * 1024;
    }
    return m;
}

qint64 processResidentBytes() {
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QList<QByteArray> parts = f.readAll().simplified().split(' ');
    if (parts.size() < 2) return 0;
    return parts[1].toLongLong() * sysconf(_SC_PAGESIZE);
}

int logicalCpuCount() {
    return QThread::idealThreadCount();
}

QList<ComputeDevice> CpuDeviceProvider::devices() const {
    const SystemMemory mem = systemMemory();
    ComputeDevice cpu;
    cpu.id = QStringLiteral("cpu");
    cpu.name = cpuModelName();
    cpu.kind = QStringLiteral("cpu");
    cpu.memoryBytes = mem.totalBytes;
    cpu.availableBytes = mem.availableBytes;
    cpu.detail = QStringLiteral("%1 logical cores").arg(logicalCpuCount());
    return {cpu};
}

DeviceRegistry::DeviceRegistry() {
    providers_.push_back(std::make_unique<CpuDeviceProvider>());
    if (auto vulkan = makeVulkanDeviceProvider()) providers_.push_back(std::move(vulkan));
}

void DeviceRegistry::addProvider(std::unique_ptr<DeviceProvider> provider) {
    providers_.push_back(std::move(provider));
}

QList<ComputeDevice> DeviceRegistry::devices() const {
    QList<ComputeDevice> out;
    for (const auto& p : providers_) out += p->devices();
    return out;
}

}  // namespace lowbit::app
