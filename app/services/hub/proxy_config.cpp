#include "hub/proxy_config.h"

#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QProcessEnvironment>

namespace lowbit::app {

ProxyConfig ProxyConfig::fromString(const QString& text) {
    const QString t = text.trimmed();
    ProxyConfig c;
    if (t.isEmpty() || t.compare(QLatin1String("env"), Qt::CaseInsensitive) == 0 ||
        t.compare(QLatin1String("system"), Qt::CaseInsensitive) == 0) {
        c.mode = Mode::Environment;
    } else if (t.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0 ||
               t.compare(QLatin1String("direct"), Qt::CaseInsensitive) == 0) {
        c.mode = Mode::None;
    } else {
        c.mode = Mode::Manual;
        c.url = t;
    }
    return c;
}

QString ProxyConfig::toString() const {
    switch (mode) {
        case Mode::Environment:
            return QStringLiteral("env");
        case Mode::None:
            return QStringLiteral("none");
        case Mode::Manual:
            return url;
    }
    return {};
}

QNetworkProxy ProxyConfig::parseProxyUrl(const QString& text, bool* ok, QString* why) {
    // "host:port" without a scheme is common in proxy variables: treat it as http.
    QString t = text.trimmed();
    if (!t.contains(QLatin1String("://"))) t.prepend(QLatin1String("http://"));
    const QUrl url(t, QUrl::StrictMode);
    *ok = false;
    QNetworkProxy::ProxyType type = QNetworkProxy::HttpProxy;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("socks5") || scheme == QLatin1String("socks5h")) {
        type = QNetworkProxy::Socks5Proxy;
    } else if (scheme != QLatin1String("http") && scheme != QLatin1String("https")) {
        if (why)
            *why = QStringLiteral("unsupported proxy scheme '%1' (use http:// or socks5://)").arg(scheme);
        return QNetworkProxy(QNetworkProxy::NoProxy);
    }
    if (!url.isValid() || url.host().isEmpty()) {
        if (why) *why = QStringLiteral("'%1' is not a valid proxy URL").arg(text.trimmed());
        return QNetworkProxy(QNetworkProxy::NoProxy);
    }
    const int defaultPort = type == QNetworkProxy::Socks5Proxy ? 1080 : 8080;
    QNetworkProxy proxy(type, url.host(), quint16(url.port(defaultPort)), url.userName(), url.password());
    *ok = true;
    return proxy;
}

EnvironmentProxyFactory::EnvironmentProxyFactory(QHash<QString, QString> env) : env_(std::move(env)) {}

QHash<QString, QString> EnvironmentProxyFactory::environmentSnapshot() {
    QHash<QString, QString> out;
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString& key : env.keys()) out.insert(key, env.value(key));
    return out;
}

QString EnvironmentProxyFactory::lookup(const char* lower, const char* upper) const {
    const QString l = env_.value(QLatin1String(lower)).trimmed();
    return l.isEmpty() ? env_.value(QLatin1String(upper)).trimmed() : l;
}

bool EnvironmentProxyFactory::hostMatchesNoProxy(const QString& host, const QString& noProxyList) {
    const QString h = host.toLower();
    for (QString entry : noProxyList.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        entry = entry.trimmed().toLower();
        if (entry.isEmpty()) continue;
        if (entry == QLatin1String("*")) return true;
        // Entries may carry a port ("example.com:8080"); the port is not part of the match.
        const int colon = entry.lastIndexOf(QLatin1Char(':'));
        if (colon > 0 && !entry.contains(QLatin1Char(']')) && entry.count(QLatin1Char(':')) == 1)
            entry.truncate(colon);
        if (entry.startsWith(QLatin1String("*."))) entry.remove(0, 1);
        if (entry.startsWith(QLatin1Char('.'))) {
            if (h.endsWith(entry) || h == entry.mid(1)) return true;
        } else if (h == entry || h.endsWith(QLatin1Char('.') + entry)) {
            return true;
        }
    }
    return false;
}

QList<QNetworkProxy> EnvironmentProxyFactory::queryProxy(const QNetworkProxyQuery& query) {
    const QString host = query.peerHostName();
    const QHostAddress address(host);
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0 ||
        (!address.isNull() && address.isLoopback()))
        return {QNetworkProxy(QNetworkProxy::NoProxy)};
    if (hostMatchesNoProxy(host, lookup("no_proxy", "NO_PROXY")))
        return {QNetworkProxy(QNetworkProxy::NoProxy)};

    QString value;
    const QString scheme = query.protocolTag().toLower();
    if (scheme == QLatin1String("https")) value = lookup("https_proxy", "HTTPS_PROXY");
    // Like curl, the upper-case HTTP_PROXY is not trusted: under CGI it can be set by a client.
    if (scheme == QLatin1String("http")) value = env_.value(QStringLiteral("http_proxy")).trimmed();
    if (value.isEmpty()) value = lookup("all_proxy", "ALL_PROXY");
    if (value.isEmpty()) return {QNetworkProxy(QNetworkProxy::NoProxy)};
    bool ok = false;
    const QNetworkProxy proxy = ProxyConfig::parseProxyUrl(value, &ok);
    return {ok ? proxy : QNetworkProxy(QNetworkProxy::NoProxy)};
}

bool applyProxy(QNetworkAccessManager& nam, const ProxyConfig& config, QString* why) {
    switch (config.mode) {
        case ProxyConfig::Mode::Environment:
            nam.setProxyFactory(new EnvironmentProxyFactory(EnvironmentProxyFactory::environmentSnapshot()));
            return true;
        case ProxyConfig::Mode::None:
            nam.setProxy(QNetworkProxy(QNetworkProxy::NoProxy));  // also drops any factory
            return true;
        case ProxyConfig::Mode::Manual: {
            bool ok = false;
            const QNetworkProxy proxy = ProxyConfig::parseProxyUrl(config.url, &ok, why);
            nam.setProxy(ok ? proxy : QNetworkProxy(QNetworkProxy::NoProxy));
            return ok;
        }
    }
    return false;
}

}  // namespace lowbit::app
