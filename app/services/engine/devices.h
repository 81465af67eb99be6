#pragma once
// The compute devices a model can run on, for the settings page and the "fits on" column of
// the library. Providers are pluggable: the CPU one is always there; a Vulkan provider (from the
// Vulkan backend's device list) adds GPUs when that backend is built.
#include <QList>
#include <QString>
#include <memory>
#include <vector>

namespace lowbit::app {

struct ComputeDevice {
    QString id;                 // what RunnerOptions::device takes: "cpu", "vulkan:0", ...
    QString name;               // "Intel Xeon ... (2 threads)", "NVIDIA GeForce ..."
    QString kind;               // "cpu" or "gpu"
    qint64 memoryBytes = 0;     // RAM or the device-local heap
    qint64 availableBytes = 0;  // what is free now (RAM: MemAvailable; GPU: budget), 0 if unknown
    QString detail;             // e.g. "2 logical cores" or "discrete GPU, Vulkan 1.3.230"
    bool usable = true;         // false: listed so the person sees it, but the engine cannot use it
    QString problem;            // why not, when !usable
};

class DeviceProvider {
  public:
    virtual ~DeviceProvider() = default;
    virtual QList<ComputeDevice> devices() const = 0;
};

// The CPU and system memory (/proc/cpuinfo, /proc/meminfo on Linux).
class CpuDeviceProvider final : public DeviceProvider {
  public:
    QList<ComputeDevice> devices() const override;
};

// Vulkan devices from lowbit::vulkan::query_devices() (only in builds with the Vulkan backend).
// The query creates a Vulkan instance, which takes a while: it runs once and is cached.
std::unique_ptr<DeviceProvider> makeVulkanDeviceProvider();  // nullptr without Vulkan

class DeviceRegistry {
  public:
    DeviceRegistry();  // starts with the CPU provider and, when built in, the Vulkan one
    void addProvider(std::unique_ptr<DeviceProvider> provider);
    QList<ComputeDevice> devices() const;  // CPU first

  private:
    std::vector<std::unique_ptr<DeviceProvider>> providers_;
};

// Memory figures of the machine and this process.
struct SystemMemory {
    qint64 totalBytes = 0;
    qint64 availableBytes = 0;
};
SystemMemory systemMemory();
qint64 processResidentBytes();  // RSS now
int logicalCpuCount();

}  // namespace lowbit::app
