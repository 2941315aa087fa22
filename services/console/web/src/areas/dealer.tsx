// The dealer's screens: part search, cart, orders; units and warranty claims.
import { CartPage } from "../pages/Cart";
import { ClaimPage, ClaimsPage } from "../pages/claims/Claims";
import { ClaimWizardPage } from "../pages/claims/ClaimWizard";
import { UnitsPage } from "../pages/claims/Units";
import { OrderPage, OrdersPage } from "../pages/Orders";
import { PartsPage } from "../pages/Parts";
import type { Area } from "./area";

export const dealer: Area = {
  pages: [
    { path: "/parts", roles: ["dealer"], element: <PartsPage /> },
    { path: "/cart", roles: ["dealer"], element: <CartPage /> },
    { path: "/orders", roles: ["dealer"], element: <OrdersPage /> },
    { path: "/orders/:id", roles: ["dealer"], element: <OrderPage /> },
    { path: "/units", roles: ["dealer"], element: <UnitsPage /> },
    { path: "/claims", roles: ["dealer"], element: <ClaimsPage /> },
    { path: "/claims/new", roles: ["dealer"], element: <ClaimWizardPage /> },
    { path: "/claims/:id", roles: ["dealer"], element: <ClaimPage /> },
  ],
  navigation: {
    dealer: [
      { to: "/parts", label: "nav.parts" },
      { to: "/cart", label: "nav.cart" },
      { to: "/orders", label: "nav.orders" },
      { to: "/units", label: "nav.units" },
      { to: "/claims/new", label: "nav.newClaim" },
      { to: "/claims", label: "nav.claims" },
    ],
  },
};
