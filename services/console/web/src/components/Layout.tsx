// The frame of every signed-in page: the role's navigation, the notifications with
// their unread count, the language switch, who is signed in and sign-out.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { NavLink } from "react-router";
import { navigation } from "../areas";
import { signOut, useMe, type Role } from "../auth/session";
import { LANGUAGES, chooseLanguage, type Language } from "../i18n";
import { NotificationsLink, UnreadProvider } from "../notifications/unread";

export function Layout({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const items = navigation(me.role);
  return (
    <UnreadProvider>
      <div className="layout">
        <a className="skip" href="#main">
          {t("nav.skip")}
        </a>
        <header className="top">
          <NavLink to="/" className="brand">
            {t("app.name")}
          </NavLink>
          <nav aria-label={t("nav.label")}>
            <ul>
              {items.map((item) => (
                <li key={item.to}>
                  {/* `/quality` is not current on `/quality/approvals`, which has its own entry. */}
                  <NavLink to={item.to} end={items.some((o) => o.to.startsWith(`${item.to}/`))}>
                    {t(item.label)}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="who">
            <NotificationsLink />
            <label>
              <span className="visually-hidden">{t("nav.language")}</span>
              <select
                value={i18n.language}
                onChange={(e) => chooseLanguage(e.target.value as Language)}
                aria-label={t("nav.language")}
              >
                {LANGUAGES.map((l) => (
                  <option key={l} value={l}>
                    {t(`language.${l === "zh-CN" ? "zh" : "en"}`)}
                  </option>
                ))}
              </select>
            </label>
            <span className="user">
              {me.name} · {t(`role.${me.role}`)}
              {me.dealer_code ? ` · ${me.dealer_code}` : ""}
            </span>
            <button type="button" onClick={() => signOut()}>
              {t("nav.signOut")}
            </button>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </UnreadProvider>
  );
}

/** A page for `roles` only; anyone else sees why not. */
export function RequireRole({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  if (!roles.includes(me.role)) {
    return (
      <section className="not-allowed" aria-labelledby="not-allowed">
        <h1 id="not-allowed">{t("notAllowed.title")}</h1>
        <p>{t("notAllowed.body", { role: t(`role.${me.role}`) })}</p>
        <NavLink to="/">{t("notAllowed.home")}</NavLink>
      </section>
    );
  }
  return <>{children}</>;
}
