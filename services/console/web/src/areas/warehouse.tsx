// The warehouse's screens: the work queues (orders to ship, backorders, stock below
// its reorder point), replenishment and purchase orders to suppliers, goods in and
// adjustments, the cycle count, transfers, and one part's stock and ledger.
import { lazyPages, type Area } from "./area";

const page = lazyPages(() => import("./warehouse.pages"));

const WAREHOUSE = ["warehouse" as const];
// Admins read stock, its reports, replenishment and purchase orders too (by address:
// their navigation is the admin area's); the writes stay the warehouse's.
const READERS = ["warehouse" as const, "admin" as const];

export const warehouse: Area = {
  pages: [
    { path: "/warehouse/ship", roles: WAREHOUSE, element: page("ShipQueuePage") },
    { path: "/warehouse/backorders", roles: READERS, element: page("BackordersPage") },
    { path: "/warehouse/reorder", roles: READERS, element: page("BelowReorderPage") },
    { path: "/warehouse/replenishment", roles: READERS, element: page("ReplenishmentPage") },
    { path: "/warehouse/purchase-orders", roles: READERS, element: page("PurchaseOrdersPage") },
    { path: "/warehouse/purchase-orders/new", roles: WAREHOUSE, element: page("NewPurchaseOrderPage") },
    { path: "/warehouse/purchase-orders/:id", roles: READERS, element: page("PurchaseOrderPage") },
    { path: "/warehouse/moves", roles: WAREHOUSE, element: page("StockMovesPage") },
    { path: "/warehouse/count", roles: WAREHOUSE, element: page("CountSheetPage") },
    { path: "/warehouse/transfers", roles: WAREHOUSE, element: page("TransfersPage") },
    { path: "/warehouse/stock", roles: READERS, element: page("StockLedgerPage") },
  ],
  navigation: {
    warehouse: [
      { to: "/warehouse/ship", label: "nav.ship" },
      { to: "/warehouse/backorders", label: "nav.backorders" },
      { to: "/warehouse/reorder", label: "nav.reorder" },
      { to: "/warehouse/replenishment", label: "nav.replenishment" },
      { to: "/warehouse/purchase-orders", label: "nav.purchaseOrders" },
      { to: "/warehouse/moves", label: "nav.moves" },
      { to: "/warehouse/count", label: "nav.count" },
      { to: "/warehouse/transfers", label: "nav.transfers" },
      { to: "/warehouse/stock", label: "nav.stock" },
    ],
  },
};
