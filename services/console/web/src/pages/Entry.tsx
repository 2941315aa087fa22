// The pages outside a session: sign-in, signed out (with why), and the home page.
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { signIn } from "../api/client";
import { useMe } from "../auth/session";
import { navigation } from "../areas";
import { LANGUAGES, chooseLanguage } from "../i18n";
import { LoadBoundary } from "../components/LoadBoundary";
import { Loading } from "../components/States";

// The dashboards and Chart.js load once a home page shows them, not with sign-in.
const Dashboard = lazy(async () => ({ default: (await import("./dashboard/Dashboard")).Dashboard }));

function LanguageLinks() {
  const { t, i18n } = useTranslation();
  return (
    <p className="languages">
      {LANGUAGES.filter((l) => l !== i18n.language).map((l) => (
        <button key={l} type="button" className="link" onClick={() => chooseLanguage(l)}>
          {t(`language.${l === "zh-CN" ? "zh" : "en"}`)}
        </button>
      ))}
    </p>
  );
}

export function SignInPage() {
  const { t } = useTranslation();
  return (
    <main id="main" className="entry">
      <h1>{t("app.name")}</h1>
      <p>{t("signIn.intro")}</p>
      <button type="button" className="primary" onClick={() => signIn()}>
        {t("signIn.button")}
      </button>
      <LanguageLinks />
    </main>
  );
}

const REASONS = ["expired", "refused", "provider", "no_role", "refused_by_service"] as const;

export function SignedOutPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const error = params.get("error");
  const reason = REASONS.find((r) => r === error);
  return (
    <main id="main" className="entry">
      <h1>{reason ? t("signedOut.failedTitle") : t("signedOut.title")}</h1>
      {reason && <p role="alert">{t(`signedOut.reason.${reason}`)}</p>}
      <button type="button" className="primary" onClick={() => signIn("/")}>
        {t("signIn.button")}
      </button>
      <LanguageLinks />
    </main>
  );
}

export function HomePage() {
  const { t } = useTranslation();
  const me = useMe();
  const items = navigation(me.role);
  return (
    <section>
      <h1>{t("home.title", { name: me.name })}</h1>
      {items.length > 0 && (
        <ul className="cards">
          {items.map((item) => (
            <li key={item.to}>
              <Link to={item.to}>{t(item.label)}</Link>
            </li>
          ))}
        </ul>
      )}
      {items.length === 0 && <p>{t("home.noScreens", { role: t(`role.${me.role}`) })}</p>}
      <LoadBoundary>
        <Suspense fallback={<Loading />}>
          <Dashboard role={me.role} />
        </Suspense>
      </LoadBoundary>
    </section>
  );
}

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t("state.notFound")}</h1>
      <Link to="/">{t("notAllowed.home")}</Link>
    </section>
  );
}
