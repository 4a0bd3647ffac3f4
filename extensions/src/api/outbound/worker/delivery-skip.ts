// A delivery that should not be sent, with the reason recorded on it (the item no longer matches
// the filter, or the webhook's owner may not read it).
export class SkipDelivery extends Error {}
