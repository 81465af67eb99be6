#include "download/download_settings_store.h"

#include "storage/model_store.h"

namespace lowbit::app {

namespace {
const QString kBaseUrl = QStringLiteral("hub.base_url");
const QString kProxy = QStringLiteral("hub.proxy");
const QString kParallel = QStringLiteral("download.parallel");
const QString kMaxAttempts = QStringLiteral("download.max_attempts");

int boundedInt(const QString& text, int low, int high, int fallback) {
    bool ok = false;
    const int v = text.toInt(&ok);
    return ok && v >= low && v <= high ? v : fallback;
}
}  // namespace

DownloadSettings loadDownloadSettings(const SettingsStore& store, DownloadSettings s) {
    const QString base = store.value(kBaseUrl);
    if (!base.isEmpty()) {
        const QUrl url = HubConfig::normalizeBaseUrl(base);
        if (!url.isEmpty()) s.hub.baseUrl = url;
    }
    const QString proxy = store.value(kProxy);
    if (!proxy.isEmpty()) {
        const ProxyConfig config = ProxyConfig::fromString(proxy);
        bool ok = true;
        if (config.mode == ProxyConfig::Mode::Manual) ProxyConfig::parseProxyUrl(config.url, &ok);
        if (ok) s.proxy = config;
    }
    s.maxParallel = boundedInt(store.value(kParallel), 1, 16, s.maxParallel);
    s.retry.maxAttempts = boundedInt(store.value(kMaxAttempts), 1, 50, s.retry.maxAttempts);
    return s;
}

void saveDownloadSettings(SettingsStore& store, const DownloadSettings& s) {
    if (s.hub.baseUrl == HubConfig::defaultBaseUrl())
        store.remove(kBaseUrl);
    else
        store.setValue(kBaseUrl, s.hub.baseUrl.toString());
    store.setValue(kProxy, s.proxy.toString());
    store.setValue(kParallel, QString::number(s.maxParallel));
    store.setValue(kMaxAttempts, QString::number(s.retry.maxAttempts));
}

}  // namespace lowbit::app
