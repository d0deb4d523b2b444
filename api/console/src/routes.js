// The pages of the console, by the path after the hash; each area is a folder.
import { AlertsPage } from "./alerts/AlertsPage.js";
import { ItineraryPage } from "./itinerary/ItineraryPage.js";
import { LivePage } from "./live/LivePage.js";
import { NoticesPage } from "./notices/NoticesPage.js";
import { OrgPage } from "./org/OrgPage.js";
import { ZonesPage } from "./zones/ZonesPage.js";

export const PAGES = [
  { path: "/map", component: LivePage },
  { path: "/itinerary", component: ItineraryPage },
  { path: "/zones", component: ZonesPage },
  { path: "/alerts", component: AlertsPage },
  { path: "/notices", component: NoticesPage },
  { path: "/org", component: OrgPage },
];
