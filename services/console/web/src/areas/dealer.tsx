// The dealer's screens: part search, cart, orders.
import { CartPage } from "../pages/Cart";
import { OrderPage, OrdersPage } from "../pages/Orders";
import { PartsPage } from "../pages/Parts";
import type { Area } from "./area";

export const dealer: Area = {
  pages: [
    { path: "/parts", roles: ["dealer"], element: <PartsPage /> },
    { path: "/cart", roles: ["dealer"], element: <CartPage /> },
    { path: "/orders", roles: ["dealer"], element: <OrdersPage /> },
    { path: "/orders/:id", roles: ["dealer"], element: <OrderPage /> },
  ],
  navigation: {
    dealer: [
      { to: "/parts", label: "nav.parts" },
      { to: "/cart", label: "nav.cart" },
      { to: "/orders", label: "nav.orders" },
    ],
  },
};
