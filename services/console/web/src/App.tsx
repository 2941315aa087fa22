// Routes: the pages outside a session, then every page inside the layout, each
// behind the roles that may use it.
import { useTranslation } from "react-i18next";
import { Route, Routes, useLocation } from "react-router";
import { useSession } from "./auth/session";
import { Layout, RequireRole } from "./components/Layout";
import { ErrorState, Loading } from "./components/States";
import { CartPage } from "./pages/Cart";
import { HomePage, NotFoundPage, SignInPage, SignedOutPage } from "./pages/Entry";
import { OrderPage, OrdersPage } from "./pages/Orders";
import { PartsPage } from "./pages/Parts";
import { ShipQueuePage } from "./pages/ShipQueue";

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
      <Routes>
        <Route path="/" element={<HomePage />} />
        <Route path="/parts" element={<RequireRole roles={["dealer"]}><PartsPage /></RequireRole>} />
        <Route path="/cart" element={<RequireRole roles={["dealer"]}><CartPage /></RequireRole>} />
        <Route path="/orders" element={<RequireRole roles={["dealer"]}><OrdersPage /></RequireRole>} />
        <Route path="/orders/:id" element={<RequireRole roles={["dealer"]}><OrderPage /></RequireRole>} />
        <Route path="/warehouse/ship" element={<RequireRole roles={["warehouse"]}><ShipQueuePage /></RequireRole>} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </Layout>
  );
}
