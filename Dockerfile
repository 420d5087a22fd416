# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY libs ./libs
RUN npx nest build

# Runtime stage: production dependencies, the compiled code and the model only.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY scripts ./scripts
COPY --from=build /app/dist ./dist
COPY model ./model
USER node
EXPOSE 3000
CMD ["npm", "run", "start:api"]
