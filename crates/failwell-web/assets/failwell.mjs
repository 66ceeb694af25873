// Starts GOV.UK Frontend's components. Every page works without it.
import { initAll } from '/static/govuk/govuk-frontend.min.js'
initAll()
