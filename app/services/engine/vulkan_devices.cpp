// The Vulkan device provider, built when the Vulkan backend is.
#include <QMutex>

#include "engine/devices.h"
#include "lowbit/vulkan.h"

namespace lowbit::app {
namespace {

class VulkanDeviceProvider final : public DeviceProvider {
  public:
    QList<ComputeDevice> devices() const override {
        QMutexLocker lock(&mutex_);
        if (!queried_) {
            queried_ = true;
            const vulkan::DeviceQuery q = vulkan::query_devices();
            for (const vulkan::DeviceInfo& d : q.devices) {
                ComputeDevice c;
                c.id = QStringLiteral("vulkan:%1").arg(d.index);
                c.name = QString::fromStdString(d.name);
                // A CPU-type Vulkan device (lavapipe, SwiftShader) runs on the processor: it is
                // listed, but it is not a GPU to fit a model into.
                c.kind = d.type == vulkan::DeviceType::Cpu ? QStringLiteral("software") : QStringLiteral("gpu");
                c.memoryBytes = qint64(d.device_local_bytes);
                qint64 budget = 0;
                for (const auto& h : d.heaps) {
                    if (h.device_local && h.budget_bytes > h.usage_bytes)
                        budget += qint64(h.budget_bytes - h.usage_bytes);
                }
                c.availableBytes = budget;
                c.detail = QStringLiteral("%1, Vulkan %2")
                               .arg(QString::fromUtf8(vulkan::device_type_name(d.type)),
                                    QString::fromStdString(d.api_version));
                c.usable = d.usable;
                c.problem = QString::fromStdString(d.problem);
                cache_ << c;
            }
        }
        return cache_;
    }

  private:
    mutable QMutex mutex_;
    mutable bool queried_ = false;
    mutable QList<ComputeDevice> cache_;
};

}  // namespace

std::unique_ptr<DeviceProvider> makeVulkanDeviceProvider() {
    return std::make_unique<VulkanDeviceProvider>();
}

}  // namespace lowbit::app
