// The warehouse's screens: the work queues (orders to ship, backorders, stock below
// its reorder point), goods in and adjustments, the cycle count, transfers, and one
// part's stock and ledger.
import { ShipQueuePage } from "../pages/ShipQueue";
import { BackordersPage } from "../pages/warehouse/Backorders";
import { BelowReorderPage } from "../pages/warehouse/BelowReorder";
import { CountSheetPage } from "../pages/warehouse/CountSheet";
import { StockLedgerPage } from "../pages/warehouse/StockLedger";
import { StockMovesPage } from "../pages/warehouse/StockMoves";
import { TransfersPage } from "../pages/warehouse/Transfers";
import type { Area } from "./area";

const WAREHOUSE = ["warehouse" as const];
// Admins read stock and its reports too; the writes stay the warehouse's.
const READERS = ["warehouse" as const, "admin" as const];

export const warehouse: Area = {
  pages: [
    { path: "/warehouse/ship", roles: WAREHOUSE, element: <ShipQueuePage /> },
    { path: "/warehouse/backorders", roles: READERS, element: <BackordersPage /> },
    { path: "/warehouse/reorder", roles: READERS, element: <BelowReorderPage /> },
    { path: "/warehouse/moves", roles: WAREHOUSE, element: <StockMovesPage /> },
    { path: "/warehouse/count", roles: WAREHOUSE, element: <CountSheetPage /> },
    { path: "/warehouse/transfers", roles: WAREHOUSE, element: <TransfersPage /> },
    { path: "/warehouse/stock", roles: READERS, element: <StockLedgerPage /> },
  ],
  navigation: {
    warehouse: [
      { to: "/warehouse/ship", label: "nav.ship" },
      { to: "/warehouse/backorders", label: "nav.backorders" },
      { to: "/warehouse/reorder", label: "nav.reorder" },
      { to: "/warehouse/moves", label: "nav.moves" },
      { to: "/warehouse/count", label: "nav.count" },
      { to: "/warehouse/transfers", label: "nav.transfers" },
      { to: "/warehouse/stock", label: "nav.stock" },
    ],
  },
};
