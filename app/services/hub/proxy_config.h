#pragma once
// The HTTP(S) proxy used for the Hub and its CDN.
//
//   Environment  the usual variables: https_proxy / HTTPS_PROXY for https URLs, http_proxy /
//                HTTP_PROXY for http, all_proxy / ALL_PROXY as fallback, and no_proxy /
//                NO_PROXY (comma-separated hosts or domain suffixes, "*" = none). Loopback
//                addresses never go through a proxy.
//   None         always connect directly.
//   Manual       every request through the given proxy (http://[user:pass@]host:port or
//                socks5://host:port).
#include <QHash>
#include <QNetworkProxy>
#include <QNetworkProxyFactory>
#include <QString>
#include <QUrl>

class QNetworkAccessManager;

namespace lowbit::app {

struct ProxyConfig {
    enum class Mode { Environment, None, Manual };
    Mode mode = Mode::Environment;
    QString url;  // Manual mode only

    // "env", "none" or a proxy URL, the form used in settings and on the command line.
    static ProxyConfig fromString(const QString& text);
    QString toString() const;

    // A Manual proxy URL turned into a QNetworkProxy; `ok` false (and a reason) if unusable.
    static QNetworkProxy parseProxyUrl(const QString& url, bool* ok, QString* why = nullptr);
};

// Resolves the proxy per request from a snapshot of environment variables.
class EnvironmentProxyFactory : public QNetworkProxyFactory {
  public:
    // `env` maps variable names to values; use environmentSnapshot() for the real one.
    explicit EnvironmentProxyFactory(QHash<QString, QString> env);
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery& query = QNetworkProxyQuery()) override;

    static QHash<QString, QString> environmentSnapshot();
    // Whether `host` matches a no_proxy list ("example.com", ".example.com", "*", "10.0.0.1").
    static bool hostMatchesNoProxy(const QString& host, const QString& noProxyList);

  private:
    QString lookup(const char* lower, const char* upper) const;
    QHash<QString, QString> env_;
};

// Applies the configuration to a network access manager (which takes over the factory).
// Returns false with a reason if a Manual proxy URL is unusable (the manager then connects
// directly).
bool applyProxy(QNetworkAccessManager& nam, const ProxyConfig& config, QString* why = nullptr);

}  // namespace lowbit::app
