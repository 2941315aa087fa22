// Routes: the pages outside a session, then every area's pages inside the layout,
// each behind the roles that may use it (see `areas/`).
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Route, Routes, useLocation } from "react-router";
import { useSession } from "./auth/session";
import { Layout, RequireRole } from "./components/Layout";
import { LoadBoundary } from "./components/LoadBoundary";
import { ErrorState, Loading } from "./components/States";
import { PAGES } from "./areas";
import { HomePage, NotFoundPage, SignInPage, SignedOutPage } from "./pages/Entry";

export function App() {
  const session = useSession();
  const location = useLocation();
  const { t } = useTranslation();
  if (location.pathname === "/signed-out") return <SignedOutPage />;
  if (session.kind === "loading") return <Loading />;
  if (session.kind === "signed-out") return <SignInPage />;
  if (session.kind === "error") {
    return (
      <main id="main" className="entry">
        <h1>{t("app.name")}</h1>
        <ErrorState problem={{ status: session.status }} onRetry={() => window.location.reload()} />
      </main>
    );
  }
  return (
    <Layout>
      {/* An area's pages load the first time one opens (areas/area.ts, lazyPages). */}
      <LoadBoundary>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<HomePage />} />
            {PAGES.map((p) => (
              <Route key={p.path} path={p.path} element={<RequireRole roles={p.roles}>{p.element}</RequireRole>} />
            ))}
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </Suspense>
      </LoadBoundary>
    </Layout>
  );
}
