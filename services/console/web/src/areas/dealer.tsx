// The dealer's screens: part search, cart, orders; units, goodwill pre-authorizations
// and warranty claims; service campaigns (their own units) and the dealer's own
// scorecard (the quality pages, which show a dealer only itself).
import { lazyPages, type Area } from "./area";

const page = lazyPages(() => import("./dealer.pages"));

export const dealer: Area = {
  pages: [
    { path: "/parts", roles: ["dealer"], element: page("PartsPage") },
    { path: "/cart", roles: ["dealer"], element: page("CartPage") },
    { path: "/orders", roles: ["dealer"], element: page("OrdersPage") },
    { path: "/orders/:id", roles: ["dealer"], element: page("OrderPage") },
    { path: "/units", roles: ["dealer"], element: page("UnitsPage") },
    { path: "/claims", roles: ["dealer"], element: page("ClaimsPage") },
    { path: "/claims/new", roles: ["dealer"], element: page("ClaimWizardPage") },
    { path: "/claims/:id", roles: ["dealer"], element: page("ClaimPage") },
    { path: "/preauthorizations", roles: ["dealer"], element: page("PreauthorizationsPage") },
    { path: "/campaigns", roles: ["dealer"], element: page("CampaignsPage") },
    { path: "/campaigns/:code", roles: ["dealer"], element: page("CampaignPage") },
    { path: "/scorecard", roles: ["dealer"], element: page("DealerScorecardsPage") },
  ],
  navigation: {
    dealer: [
      { to: "/parts", label: "nav.parts" },
      { to: "/cart", label: "nav.cart" },
      { to: "/orders", label: "nav.orders" },
      { to: "/units", label: "nav.units" },
      { to: "/claims/new", label: "nav.newClaim" },
      { to: "/claims", label: "nav.claims" },
      { to: "/preauthorizations", label: "nav.preauthorizations" },
      { to: "/campaigns", label: "nav.campaigns" },
      { to: "/scorecard", label: "nav.myScorecard" },
    ],
  },
};
