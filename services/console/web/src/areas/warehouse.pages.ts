// The warehouse pages, one chunk of the app: `areas/warehouse.tsx` loads it the first
// time one of them opens.
export { ShipQueuePage } from "../pages/ShipQueue";
export { BackordersPage } from "../pages/warehouse/Backorders";
export { BelowReorderPage } from "../pages/warehouse/BelowReorder";
export { CountSheetPage } from "../pages/warehouse/CountSheet";
export { NewPurchaseOrderPage } from "../pages/warehouse/NewPurchaseOrder";
export { PurchaseOrderPage } from "../pages/warehouse/PurchaseOrder";
export { PurchaseOrdersPage } from "../pages/warehouse/PurchaseOrders";
export { ReplenishmentPage } from "../pages/warehouse/Replenishment";
export { StockLedgerPage } from "../pages/warehouse/StockLedger";
export { StockMovesPage } from "../pages/warehouse/StockMoves";
export { TransfersPage } from "../pages/warehouse/Transfers";
